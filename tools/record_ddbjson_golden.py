#!/usr/bin/python3
"""Record tests/golden/ddbjson.json from DynamoDB Local.

Each case is a raw PutItem Item (JSON text, sent byte for byte so that shapes boto3 would
refuse still reach the server).  For each case we record what DynamoDB Local answers:
  ok    -> {"name", "item", "ok": true, "canonical": <GetItem's Item>}
  error -> {"name", "item", "error_type", "message"}
Cases whose item has an attribute "a" also record that value sent alone as an
ExpressionAttributeValues entry (UpdateItem SET a = :v): "value" and "eav" (ok or error).

Where DynamoDB Local answers 500 InternalFailure (malformed shapes, invalid base64) or goes
through a double (JSON reals), ddbchat deliberately does what real DynamoDB does instead:
the entry then carries our expected error_type/message, the oracle's own answer under
"oracle", and the reason under "deviation".  tests/unit/value/test_ddbjson.c replays the file.

Usage: tools/record_ddbjson_golden.py [port]   (default: $DDB_ORACLE_PORT or 8000)
"""
import json
import os
import sys
import urllib.error
import urllib.request

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("DDB_ORACLE_PORT", "8000"))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "ddbjson.json")
TABLE = "ddbjson_golden"


def call(op, body):
    data = body if isinstance(body, str) else json.dumps(body)
    req = urllib.request.Request(
        "http://127.0.0.1:%d/" % PORT, data=data.encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "DynamoDB_20120810." + op,
                 "X-Amz-Date": "20260101T000000Z",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/"
                                  "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def err_of(status, r):
    return {"status": status, "error_type": r.get("__type", "").split("#")[-1],
            "message": r.get("Message", r.get("message"))}


def nest(n, leaf, kind="M"):
    v = leaf
    for _ in range(n):
        v = {"M": {"a": v}} if kind == "M" else {"L": [v]}
    return json.dumps(v)


# Our answers where the oracle gives a 500 or converts a wrong JSON token (real DynamoDB:
# SerializationException naming the token and the slot's Java type; the texts of dynalite's
# newest test helper, assertType, checked against AWS, and of Dynoxide's serde mapping).
SER_MAP = "Start of structure or map found where not expected"
SER_VALUE = "Unexpected value type in payload"
SER_FIELD = "Unexpected field type"
SER_COLL = "Unrecognized collection type class "
SER_COLL_STR = SER_COLL + "java.lang.String"
SER_COLL_BOOL = SER_COLL + "java.lang.Boolean"
SER_COLL_AV = SER_COLL + "com.amazonaws.dynamodb.v20120810.AttributeValue"
SER_COLL_MAP = ("Unrecognized collection type java.util.Map<java.lang.String, "
                "com.amazonaws.dynamodb.v20120810.AttributeValue>")
SER_BLOB = "only base-64-encoded strings are convertible to bytes"
SER_BOOL_STR = "Unexpected token received from parser"
TO_STR, TO_BOOL = " cannot be converted to String", " cannot be converted to Boolean"
B64_LEN = "Base64 encoded length is expected a multiple of 4 bytes but found: %d"
B64_CHAR = "Invalid Base64 character"
B64_LAST = "Invalid last non-pad Base64 character dectected"  # sic (dynalite's AWS-recorded helper)
WHY_B64_LAST = ("DynamoDB Local takes bits below the last byte and drops them; real DynamoDB: "
                "SerializationException")
WHY_500 = "DynamoDB Local answers 500 InternalFailure; real DynamoDB: SerializationException"
WHY_REAL = "DynamoDB Local converts JSON reals through a double; real DynamoDB: SerializationException"
WHY_TOKEN = ("DynamoDB Local converts a wrong JSON token (numbers and booleans for S/N/SS/NS, "
             "strings and numbers for BOOL/NULL); real DynamoDB: SerializationException")

# (name, raw JSON of attribute "a" (or None), raw extra attributes, deviation or None)
CASES = [
    # --- accepted values and their canonical form
    ("s_plain", '{"S":"hello"}', None, None),
    ("s_empty", '{"S":""}', None, None),
    ("s_unicode", '{"S":"\\u00e9\\u4e2d\\ud83d\\ude00"}', None, None),
    ("s_nul_byte", '{"S":"a\\u0000b"}', None, None),
    ("s_from_integer", '{"S":12}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("s_from_bool", '{"S":false}', None, {"error_type": "SerializationException", "message": "FALSE_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("n_integer", '{"N":"42"}', None, None),
    ("n_leading_trailing_zeros", '{"N":"01.50"}', None, None),
    ("n_negative_zero", '{"N":"-0.0"}', None, None),
    ("n_plus_sign", '{"N":"+5"}', None, None),
    ("n_exponent", '{"N":"1E+2"}', None, None),
    ("n_leading_dot", '{"N":".5"}', None, None),
    ("n_trailing_dot", '{"N":"5."}', None, None),
    ("n_small", '{"N":"1e-130"}', None, None),
    ("n_large", '{"N":"9.9999999999999999999999999999999999999e125"}', None, None),
    ("n_38_digits", '{"N":"12345678901234567890123456789012345678"}', None, None),
    ("n_trailing_zeros_beyond_38", '{"N":"123456789012345678901234567890123456780000"}', None, None),
    ("n_from_integer", '{"N":7}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("b_bytes", '{"B":"AQID"}', None, None),
    ("b_empty", '{"B":""}', None, None),
    ("b_padding", '{"B":"AA=="}', None, None),
    ("b_nonzero_trailing_bits", '{"B":"AB=="}', None, {"error_type": "SerializationException", "message": B64_LAST, "deviation": WHY_B64_LAST}),
    ("b_plus_slash", '{"B":"+/+/"}', None, None),
    ("bool_true", '{"BOOL":true}', None, None),
    ("bool_false", '{"BOOL":false}', None, None),
    ("bool_from_string", '{"BOOL":"true"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_TOKEN}),
    ("bool_from_string_upper", '{"BOOL":"FALSE"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_TOKEN}),
    ("bool_from_integer", '{"BOOL":1}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_BOOL, "deviation": WHY_TOKEN}),
    ("bool_from_zero", '{"BOOL":0}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_BOOL, "deviation": WHY_TOKEN}),
    ("null_true", '{"NULL":true}', None, None),
    ("null_from_string", '{"NULL":"true"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_TOKEN}),
    ("ss", '{"SS":["b","a","c"]}', None, None),
    ("ss_with_empty_string", '{"SS":["a",""]}', None, None),
    ("ss_from_integers", '{"SS":[1,"2"]}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("ns", '{"NS":["3","1.50","-2"]}', None, None),
    ("bs", '{"BS":["AQ==","AA=="]}', None, None),
    ("bs_with_empty", '{"BS":["AA==",""]}', None, None),
    ("l_mixed", '{"L":[{"S":"x"},{"N":"1"},{"NULL":true},{"BOOL":false},{"L":[]}]}', None, None),
    ("l_empty", '{"L":[]}', None, None),
    ("m_nested", '{"M":{"b":{"S":"1"},"a":{"M":{"c":{"N":"2"}}}}}', None, None),
    ("m_empty", '{"M":{}}', None, None),
    ("unknown_key_beside_type", '{"S":"a","X":"b"}', None, None),
    ("null_json_beside_type", '{"S":"x","L":null}', None, None),
    ("depth_31_ok", nest(30, {"M": {}}), None, None),
    ("depth_31_list_ok", nest(30, {"L": []}, "L"), None, None),
    ("several_attributes", '{"S":"x"}', '"b":{"N":"2"},"c":{"BOOL":true}', None),
    # --- no type / several types / unknown type
    ("no_type", '{}', None, None),
    ("two_types", '{"S":"a","N":"1"}', None, None),
    ("three_types", '{"S":"x","N":"1","B":"AA=="}', None, None),
    ("unknown_type", '{"X":"a"}', None, None),
    ("lowercase_type", '{"s":"a"}', None, None),
    ("s_json_null", '{"S":null}', None, None),
    ("null_and_bool", '{"BOOL":false,"NULL":true}', None, None),
    ("m_and_l", '{"M":{},"L":[]}', None, None),
    # --- per-type validation
    ("null_false", '{"NULL":false}', None, None),
    ("null_from_zero", '{"NULL":0}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_BOOL, "deviation": WHY_TOKEN}),
    ("ss_empty", '{"SS":[]}', None, None),
    ("ns_empty", '{"NS":[]}', None, None),
    ("bs_empty", '{"BS":[]}', None, None),
    ("ss_duplicates", '{"SS":["a","a"]}', None, None),
    ("ss_duplicates_listing", '{"SS":["b","a","b","c"]}', None, None),
    ("ss_duplicate_empty_strings", '{"SS":["",""]}', None, None),
    ("ss_null_member", '{"SS":[null]}', None, None),
    ("ss_null_member_and_duplicates", '{"SS":["a","a",null]}', None, None),
    ("ss_two_null_members", '{"SS":[null,null]}', None, None),
    ("ss_null_and_string_null", '{"SS":["null",null]}', None, None),
    ("ns_numeric_duplicates", '{"NS":["1","1.0"]}', None, None),
    ("ns_zero_duplicates", '{"NS":["1","-0","0"]}', None, None),
    ("ns_invalid_member", '{"NS":["1","x"]}', None, None),
    ("ns_invalid_before_duplicates", '{"NS":["1","x","1"]}', None, None),
    ("ns_null_member", '{"NS":[null]}', None, None),
    ("ns_overflow_member", '{"NS":["1e126"]}', None, None),
    ("bs_duplicates", '{"BS":["AA==","AA=="]}', None, None),
    ("n_not_a_number", '{"N":"abc"}', None, None),
    ("n_empty", '{"N":""}', None, None),
    ("n_space", '{"N":" 1"}', None, None),
    ("n_bare_exponent", '{"N":"1e"}', None, None),
    ("n_hex", '{"N":"0x10"}', None, None),
    ("n_nan", '{"N":"NaN"}', None, None),
    ("n_infinity", '{"N":"Infinity"}', None, None),
    ("n_overflow", '{"N":"1e126"}', None, None),
    ("n_underflow", '{"N":"1e-131"}', None, None),
    ("n_precision", '{"N":"1.23456789012345678901234567890123456789"}', None, None),
    ("n_from_bool", '{"N":true}', None, {"error_type": "SerializationException", "message": "TRUE_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("m_empty_name", '{"M":{"":{"S":"x"}}}', None, None),
    ("m_member_no_type", '{"M":{"a":{}}}', None, None),
    ("l_member_no_type", '{"L":[{}]}', None, None),
    ("m_member_null_false", '{"M":{"a":{"NULL":false}}}', None, None),
    ("l_member_empty_set", '{"L":[{"SS":[]}]}', None, None),
    ("depth_32_map", nest(32, {"S": "x"}), None, None),
    ("depth_32_list", nest(32, {"S": "x"}, "L"), None, None),
    ("depth_31_plus_empty_map", nest(31, {"M": {}}), None, None),
    ("depth_before_inner_error", nest(32, {"N": "x"}), None, None),
    ("attribute_null", 'null', None, None),
    ("m_member_null", '{"M":{"c":{"M":{"e":null}}}}', None, None),
    ("l_member_null", '{"L":[{"S":"x"},null]}', None, None),
    ("l_member_map_member_null", '{"L":[{"M":{"e":null}}]}', None, None),
    ("null_attribute_in_document_order_1", 'null', '"b":{"N":"x"}', None),
    ("null_attribute_in_document_order_2", None, '"b":{"N":"x"},"a":null', None),
    ("null_member_after_bad_member", '{"M":{"c":{"N":"x"},"d":null}}', None, None),
    ("null_attribute_then_bad_shape", 'null', '"b":{"S":["x"]}', {"error_type": "SerializationException", "message": SER_COLL_STR, "deviation": WHY_500}),
    ("ss_mixed_string_integer", '{"SS":["a",1]}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("ns_bool_member", '{"NS":[true]}', None, {"error_type": "SerializationException", "message": "TRUE_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("n_negative_integer_json", '{"N":-5}', None, {"error_type": "SerializationException", "message": "NUMBER_VALUE" + TO_STR, "deviation": WHY_TOKEN}),
    ("n_exponent_only_zero", '{"N":"0e999"}', None, None),
    ("n_exponent_overflow", '{"N":"10e125"}', None, None),
    ("n_two_dots", '{"N":"1.2.3"}', None, None),
    ("n_sign_only", '{"N":"-"}', None, None),
    ("null_from_upper_string", '{"NULL":"TRUE"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_TOKEN}),
    ("both_null_json", '{"M":null,"L":null}', None, None),
    ("shape_bool_digit_string", '{"BOOL":"1"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_500}),
    ("shape_attribute_string", '"x"', None, {"error_type": "SerializationException", "message": SER_VALUE, "deviation": WHY_500}),
    ("shape_attribute_list", '[]', None, {"error_type": "SerializationException", "message": SER_COLL_AV, "deviation": WHY_500}),
    ("shape_l_member_number", '{"L":[1]}', None, {"error_type": "SerializationException", "message": SER_VALUE, "deviation": WHY_500}),
    ("shape_m_member_string", '{"M":{"a":"x"}}', None, {"error_type": "SerializationException", "message": SER_VALUE, "deviation": WHY_500}),
    ("shape_bs_number_member", '{"BS":[1]}', None, {"error_type": "SerializationException", "message": SER_BLOB, "deviation": WHY_500}),
    ("shape_ss_list_member", '{"SS":[["a"]]}', None, {"error_type": "SerializationException", "message": SER_COLL_STR, "deviation": WHY_500}),
    # --- the order DynamoDB checks things in
    ("order_set_empty_before_two_types", '{"N":"1","NS":[]}', None, None),
    ("order_null_false_before_two_types", '{"S":"x","NULL":false}', None, None),
    ("order_ss_before_n", '{"N":"x","SS":["a","a"]}', None, None),
    ("order_n_before_ns", '{"NS":["1","1"],"N":"x"}', None, None),
    ("order_ns_before_bs", '{"BS":[],"NS":[]}', None, None),
    ("order_bs_before_m", '{"M":{"":{"S":"x"}},"BS":[]}', None, None),
    ("order_m_before_l", '{"L":[{"SS":["q","q"]}],"M":{"":{"S":"x"}}}', None, None),
    ("order_l_before_null", '{"NULL":false,"L":[{"SS":["q","q"]}]}', None, None),
    ("order_inner_before_outer_two_types", '{"M":{"a":{}},"S":"x"}', None, None),
    ("order_member_value_before_name", '{"M":{"":{"N":"x"}}}', None, None),
    ("order_members_in_document_order", '{"M":{"a":{"N":"x"},"b":%s}}' % nest(32, {"S": "x"}), None, None),
    ("order_attributes_in_document_order_1", '{"SS":["a","a"]}', '"b":{"N":"x"}', None),
    ("order_attributes_in_document_order_2", None, '"b":{"N":"x"},"a":{"SS":["a","a"]}', None),
    ("top_level_empty_name", None, '"":{"S":"x"}', None),
    ("top_level_empty_name_value_first", None, '"":{"N":"x"}', None),
    # --- shapes (SerializationException in real DynamoDB)
    ("shape_ss_not_list", '{"SS":"a"}', None, {"error_type": "SerializationException", "message": SER_FIELD, "deviation": WHY_500}),
    ("shape_m_list", '{"M":[]}', None, {"error_type": "SerializationException", "message": SER_COLL_MAP, "deviation": WHY_500}),
    ("shape_l_object", '{"L":{}}', None, {"error_type": "SerializationException", "message": SER_MAP, "deviation": WHY_500}),
    ("shape_s_list", '{"S":["a"]}', None, {"error_type": "SerializationException", "message": SER_COLL_STR, "deviation": WHY_500}),
    ("shape_s_object", '{"S":{"a":1}}', None, {"error_type": "SerializationException", "message": SER_MAP, "deviation": WHY_500}),
    ("shape_n_list", '{"N":["1"]}', None, {"error_type": "SerializationException", "message": SER_COLL_STR, "deviation": WHY_500}),
    ("shape_b_number", '{"B":1}', None, {"error_type": "SerializationException", "message": SER_BLOB, "deviation": WHY_500}),
    ("shape_bool_word", '{"BOOL":"yes"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_500}),
    ("shape_bool_list", '{"BOOL":[true]}', None, {"error_type": "SerializationException", "message": SER_COLL_BOOL, "deviation": WHY_500}),
    ("shape_null_word", '{"NULL":"x"}', None, {"error_type": "SerializationException", "message": SER_BOOL_STR, "deviation": WHY_500}),
    ("shape_bs_null_member", '{"BS":[null]}', None, {"error_type": "SerializationException", "message": SER_VALUE, "deviation": WHY_500}),
    ("shape_before_validation", '{"N":"x"}', '"b":{"S":["x"]}', {"error_type": "SerializationException", "message": SER_COLL_STR, "deviation": WHY_500}),
    ("b64_bad_length", '{"B":"AAA"}', None, {"error_type": "SerializationException", "message": B64_LEN % 3, "deviation": WHY_500}),
    ("b64_no_padding", '{"B":"AQ"}', None, {"error_type": "SerializationException", "message": B64_LEN % 2, "deviation": WHY_500}),
    ("b64_bad_char", '{"B":"!!!!"}', None, {"error_type": "SerializationException", "message": B64_CHAR, "deviation": WHY_500}),
    ("b64_url_alphabet", '{"B":"-_-_"}', None, {"error_type": "SerializationException", "message": B64_CHAR, "deviation": WHY_500}),
    ("b64_bad_in_set", '{"BS":["AA==","AA"]}', None, {"error_type": "SerializationException", "message": B64_LEN % 2, "deviation": WHY_500}),
    ("b64_before_validation", '{"SS":[]}', '"b":{"B":"!"}', {"error_type": "SerializationException", "message": B64_LEN % 1, "deviation": WHY_500}),
    ("shape_s_real", '{"S":1.5}', None, {"error_type": "SerializationException", "message": "DECIMAL_VALUE" + TO_STR, "deviation": WHY_REAL}),
    ("shape_n_real", '{"N":1.5}', None, {"error_type": "SerializationException", "message": "DECIMAL_VALUE" + TO_STR, "deviation": WHY_REAL}),
]

# Key-attribute rules belong to the api layer (ddbjson has no schema): ddbjson accepts these.
# (name, key type of the table, raw Item)
API_CASES = [
    ("api_key_empty_string", "S", '{"pk":{"S":""}}'),
    ("api_key_empty_binary", "B", '{"pk":{"B":""}}'),
    ("api_key_type_mismatch", "S", '{"pk":{"N":"1"}}'),
    ("api_key_missing", "S", '{"a":{"S":"x"}}'),
    ("api_key_is_a_set", "S", '{"pk":{"SS":["a"]}}'),
]


def main():
    for name, kt in ((TABLE, "S"), (TABLE + "_b", "B")):
        st, r = call("CreateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": kt}]})
        if st != 200 and "preexisting" not in str(r):
            sys.exit("CreateTable failed: %s %s" % (st, r))
    out = []
    for name, a, extra, dev in CASES:
        parts = ['"pk":{"S":"k"}']
        if a is not None:
            parts.append('"a":' + a)
        if extra:
            parts.append(extra)
        item_text = "{" + ",".join(parts) + "}"
        item = json.loads(item_text)
        st, r = call("PutItem", '{"TableName":"%s","Item":%s}' % (TABLE, item_text))
        e = {"name": name, "item": item}
        if st == 200:
            _, g = call("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "k"}}, "ConsistentRead": True})
            call("DeleteItem", {"TableName": TABLE, "Key": {"pk": {"S": "k"}}})
            oracle = {"ok": True, "canonical": g.get("Item")}
        else:
            oracle = err_of(st, r)
        if dev:
            e.update({"error_type": dev["error_type"], "message": dev["message"],
                      "deviation": dev["deviation"], "oracle": oracle})
        elif st == 200:
            e.update(oracle)
        else:
            if st >= 500:
                sys.exit("case %s: unexpected %s from the oracle without a deviation entry" % (name, oracle))
            e.update({"error_type": oracle["error_type"], "message": oracle["message"]})
        if a is not None and not dev:
            st2, r2 = call("UpdateItem", '{"TableName":"%s","Key":{"pk":{"S":"k"}},'
                                         '"UpdateExpression":"SET a = :v",'
                                         '"ExpressionAttributeValues":{":v":%s}}' % (TABLE, a))
            call("DeleteItem", {"TableName": TABLE, "Key": {"pk": {"S": "k"}}})
            e["value"] = json.loads(a)
            e["eav"] = {"ok": True} if st2 == 200 else {k: v for k, v in err_of(st2, r2).items() if k != "status"}
        out.append(e)
    for name, kt, item_text in API_CASES:
        table = TABLE if kt == "S" else TABLE + "_b"
        st, r = call("PutItem", '{"TableName":"%s","Item":%s}' % (table, item_text))
        out.append({"name": name, "item": json.loads(item_text), "checked_by": "api",
                    "api_error_type": err_of(st, r)["error_type"], "api_message": err_of(st, r)["message"]})
    call("DeleteTable", {"TableName": TABLE})
    call("DeleteTable", {"TableName": TABLE + "_b"})
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print("wrote %d cases to %s" % (len(out), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
