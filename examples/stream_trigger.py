"""A DynamoDB stream handler written as an AWS Lambda function, run by ddbchat as a trigger.

    ddbchat serve --trigger 'cruddur-messages=python3 examples/stream_trigger.py'

`serve` runs the command for each batch of the table's stream records with the event Lambda
delivers on its standard input ({"Records": [...]}, each record with eventSourceARN); the
command's output goes to ddbchat's log.  Exit status 0 marks the batch done; an exception
makes Python exit 1 and ddbchat delivers the same batch again (with backoff, in order).  The
same lambda_handler runs unchanged on AWS Lambda with a DynamoDB stream event source.
"""
import json
import sys


def plain(value):
    """An attribute value in DynamoDB JSON ({"S": "x"}) as a short text."""
    (kind, v), = value.items()
    return v if kind in ("S", "N") else json.dumps(v)


def lambda_handler(event, context):
    for rec in event["Records"]:
        ddb = rec["dynamodb"]
        keys = " ".join(f"{k}={plain(v)}" for k, v in sorted(ddb["Keys"].items()))
        line = f'{rec["eventName"]} {keys} seq={ddb["SequenceNumber"]}'
        text = ddb.get("NewImage", {}).get("message")
        if text:  # a message of cruddur-messages
            line += f" message={plain(text)!r}"
        print(line)
    return {"batchItemFailures": []}


if __name__ == "__main__":
    lambda_handler(json.load(sys.stdin), None)
