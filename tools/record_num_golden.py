#!/usr/bin/python3
"""Records tests/golden/num.json from DynamoDB Local: how DynamoDB validates, canonicalises and
adds numbers.  Usage: tools/record_num_golden.py [endpoint]  (default http://127.0.0.1:8101).

parse: PutItem of a top-level {"N": text}, then GetItem -> the canonical text, or the error.
arith: UpdateItem SET a = :x + :y, b = :x - :y (texts kept verbatim, as DynamoDB Local does)
       -> the stored result texts (Java BigDecimal.toPlainString), or the error.
tests/unit/value/test_num.c replays every case against src/value/num.c."""
import json, os, random, sys
import boto3
from botocore.exceptions import ClientError

URL = sys.argv[1] if len(sys.argv) > 1 else 'http://127.0.0.1:8101'
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'golden', 'num.json')
c = boto3.client('dynamodb', endpoint_url=URL, region_name='us-east-1',
                 aws_access_key_id='x', aws_secret_access_key='x')
T = 'num_golden'
try:
    c.create_table(TableName=T, KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
                   AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
                   BillingMode='PAY_PER_REQUEST')
except ClientError:
    pass

NINES = '9.' + '9' * 37
PARSE = ["1.50", "0001", "1E3", "-0", "0", ".5", "5.", "+5", "+.5", "-.5", "1e3", "1E+3", "1E-3",
         " 5", "5 ", "0x10", "Infinity", "NaN", "-Infinity", "", "abc", "1E126", NINES + "E+125",
         "-" + NINES + "E+125", NINES + "9E+125", "1E125", "1E-130", "1E-131", "-1E-131",
         "1" * 38, "1" * 39, "1" * 38 + "00", "0." + "0" * 70 + "1", "1.", "-", "+", "e5", "1e",
         "1e+", "1E-0", "00.00", "-0.0", "1_000", "1,5", "\u0661", "\uff10", "1\u0660",
         "\U0001d7cf", "1E\u0661", "\u0661E\u0661", "1d", "1f", "1L", "1E1000", "1E-1000",
         "0E1000", "0E-1000", "1.5E-130", "1.5E-131", "1" * 38 + "E88", "1" * 38 + "E89",
         "1" + "0" * 41, "-1E-130", "-1E126", "1E2147483648", "0.1E-129", "10E125", "0.99E126",
         "1E2147483647", "1E-2147483648", "0E2147483648", "1E003", "1E+-3", "--1", "1..5", "1.5.",
         "+-1", "-+1", "1." + "0" * 43, "1" * 39 + "E-200", "1" * 39 + "E200", "1" * 39 + "E-130",
         "0." + "0" * 150, "1 ", "\t1", "1\n", "0.", ".", ".e1", "0.e1", ".0e1", "1E-2147483647",
         "1E-2147483649", "1E99999999999999999", "0E2147483647", "0E-2147483648", "0E-2147483647",
         "0.0E2147483648", "10E2147483647", "0.1E-2147483647", "1E000000000003",
         "1E-00000000000000000000000003", "1E12345678901", "1E01234567890", "1.0E2147483647",
         "100E-2147483647", "100E2147483647", "1.1E2147483647", "0" * 300 + "1", "-0E5", "123.456", "-123.456",
         "0.000123", "-1000.000", "12.34e-5", "12.34E+5", "9E125", "-9E125", "1e-130", "0e0",
         "1.23456789012345678901234567890123456789", "0.1234567890123456789012345678901234567800",
         "99999999999999999999999999999999999999", "-99999999999999999999999999999999999999E88",
         "1E+", "E", "-e1", "1e1e1", "1.e-1", "1 0", "١٢٣.٤٥"]
ARITH = [("1E38", "1"), ("1E37", "1"), ("9" * 38, "1"), (NINES + "E+125", "1E+88"),
         (NINES + "E+125", "1E+125"), ("2E-130", "1.5E-130"), ("1E-130", "1E-130"),
         ("1.5", "1.5"), ("1E125", "1E-130"), ("-" + NINES + "E+125", "1E+125"),
         ("1" * 38, "0.5"), ("1" * 38, "10"), ("0.1", "-0.1"), ("1E-130", "0"),
         ("2.50", "0.5"), ("0.25", "0.25"), ("-1", "1"), ("0", "0"), ("1E5", "1E5"),
         ("5", "5.0000"), ("1", "1.50"), ("1", "1E-3"), ("1", "0.000"), ("1", "-0.00"),
         ("0.5", "0.5"), ("1", "1." + "0" * 46), ("1E3", "1E3"), ("1E-3", "-1E-3"), ("0E5", "0E5"),
         ("-0.5", "0.25"), ("999", "1"), ("-999", "-1"), ("1000", "-1"), ("-1000", "1"),
         ("0.001", "-0.0001"), ("1E-129", "-1E-130"), ("5E125", "5E125"), ("-5E125", "-5E125"),
         ("9" * 38, "9" * 38), ("1.000", "2.00"), ("123.45", "-123.45"), ("1E20", "-1E-17")]


def one(f):
    try:
        return {'ok': f()}
    except ClientError as e:
        return {'err': e.response['Error']['Code'], 'msg': e.response['Error']['Message']}


def put(s):
    c.put_item(TableName=T, Item={'pk': {'S': 'p'}, 'n': {'N': s}})
    return c.get_item(TableName=T, Key={'pk': {'S': 'p'}})['Item']['n']['N']


def arith(x, y, op):
    c.update_item(TableName=T, Key={'pk': {'S': 'a'}}, UpdateExpression='SET r = :x %s :y' % op,
                  ExpressionAttributeValues={':x': {'N': x}, ':y': {'N': y}})
    return c.get_item(TableName=T, Key={'pk': {'S': 'a'}})['Item']['r']['N']


rnd = random.Random(20261126)


def rnd_num():
    d = ''.join(rnd.choice('0123456789') for _ in range(rnd.randint(1, 40)))
    if rnd.random() < 0.5:
        k = rnd.randint(0, len(d))
        d = d[:k] + '.' + d[k:]
    if rnd.random() < 0.5:
        d += 'E' + str(rnd.randint(-140, 130))
    return rnd.choice(['', '-', '+']) + d


for _ in range(150):
    PARSE.append(rnd_num())
for _ in range(150):
    ARITH.append((rnd_num(), rnd_num()))

out = {'recorded_from': 'DynamoDB Local 2026-01-16', 'parse': [], 'arith': []}
for s in PARSE:
    out['parse'].append(dict(text=s, **one(lambda: put(s))))
for x, y in ARITH:
    for op in '+-':
        out['arith'].append(dict(x=x, y=y, op=op, **one(lambda: arith(x, y, op))))
with open(OUT, 'w') as f:
    json.dump(out, f, indent=0, ensure_ascii=True)
    f.write('\n')
print('parse', len(out['parse']), 'arith', len(out['arith']), '->', os.path.normpath(OUT))
