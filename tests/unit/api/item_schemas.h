/*
 * item_schemas — the CreateTable requests of the tables that the differential tests of the
 * request paths share: item_test.h's it_setup (tab1, tab2, gtab: test_api_jread.c and
 * test_op_*.c's differential cases), test_query_jread.c's q_setup (qst, qinc, qlsi, qmk: the
 * tables of tests/e2e/test_query_scan.py), and tests/fuzz/fuzz_paths.c, whose seeds are those
 * tests' requests and must meet the same tables.  Plain string literals (no code), single
 * quotes for double ones (it_quoted / fuzz_paths' unquote turn them back).
 */
#ifndef DDB_TEST_ITEM_SCHEMAS_H
#define DDB_TEST_ITEM_SCHEMAS_H

/* tab1: pk S */
#define IT_SCHEMA_TAB1 \
    "{'TableName':'tab1','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}]," \
    "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}]," \
    "'BillingMode':'PAY_PER_REQUEST'}"

/* tab2: pk S + sk N */
#define IT_SCHEMA_TAB2 \
    "{'TableName':'tab2','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}," \
    "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':[" \
    "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk'," \
    "'AttributeType':'N'}],'BillingMode':'PAY_PER_REQUEST'}"

/* gtab: pk S + sk S; GSIs gidx (g, ALL) and gkey (g, KEYS_ONLY); LSI lidx (l S, ALL) */
#define IT_SCHEMA_GTAB \
    "{'TableName':'gtab','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}," \
    "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':[" \
    "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'S'}," \
    "{'AttributeName':'g','AttributeType':'S'},{'AttributeName':'l','AttributeType':'S'}]," \
    "'BillingMode':'PAY_PER_REQUEST','GlobalSecondaryIndexes':[" \
    "{'IndexName':'gidx','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}]," \
    "'Projection':{'ProjectionType':'ALL'}}," \
    "{'IndexName':'gkey','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}]," \
    "'Projection':{'ProjectionType':'KEYS_ONLY'}}]," \
    "'LocalSecondaryIndexes':[{'IndexName':'lidx','KeySchema':[{'AttributeName':'pk'," \
    "'KeyType':'HASH'},{'AttributeName':'l','KeyType':'RANGE'}]," \
    "'Projection':{'ProjectionType':'ALL'}}]}"

/* qst: pk S + sk S; GSIs gidx (g, ALL) and gkey (g, KEYS_ONLY); LSI lidx (l S, KEYS_ONLY) */
#define IT_SCHEMA_QST \
    "{'TableName':'qst','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}," \
    "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':[" \
    "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'S'}," \
    "{'AttributeName':'g','AttributeType':'S'},{'AttributeName':'l','AttributeType':'S'}]," \
    "'BillingMode':'PAY_PER_REQUEST','GlobalSecondaryIndexes':[" \
    "{'IndexName':'gidx','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}]," \
    "'Projection':{'ProjectionType':'ALL'}}," \
    "{'IndexName':'gkey','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}]," \
    "'Projection':{'ProjectionType':'KEYS_ONLY'}}]," \
    "'LocalSecondaryIndexes':[{'IndexName':'lidx','KeySchema':[{'AttributeName':'pk'," \
    "'KeyType':'HASH'},{'AttributeName':'l','KeyType':'RANGE'}]," \
    "'Projection':{'ProjectionType':'KEYS_ONLY'}}]}"

/* qinc: pk S + sk S; GSI ginc (g + sk, INCLUDE a); LSI lkey (l N, KEYS_ONLY) */
#define IT_SCHEMA_QINC \
    "{'TableName':'qinc','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}," \
    "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':[" \
    "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'S'}," \
    "{'AttributeName':'g','AttributeType':'S'},{'AttributeName':'l','AttributeType':'N'}]," \
    "'BillingMode':'PAY_PER_REQUEST','GlobalSecondaryIndexes':[" \
    "{'IndexName':'ginc','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}," \
    "{'AttributeName':'sk','KeyType':'RANGE'}]," \
    "'Projection':{'ProjectionType':'INCLUDE','NonKeyAttributes':['a']}}]," \
    "'LocalSecondaryIndexes':[{'IndexName':'lkey','KeySchema':[{'AttributeName':'pk'," \
    "'KeyType':'HASH'},{'AttributeName':'l','KeyType':'RANGE'}]," \
    "'Projection':{'ProjectionType':'KEYS_ONLY'}}]}"

/* qlsi: pk S + sk N; LSI lkey (l N, KEYS_ONLY) */
#define IT_SCHEMA_QLSI \
    "{'TableName':'qlsi','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}," \
    "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':[" \
    "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'N'}," \
    "{'AttributeName':'l','AttributeType':'N'}],'BillingMode':'PAY_PER_REQUEST'," \
    "'LocalSecondaryIndexes':[{'IndexName':'lkey','KeySchema':[{'AttributeName':'pk'," \
    "'KeyType':'HASH'},{'AttributeName':'l','KeyType':'RANGE'}]," \
    "'Projection':{'ProjectionType':'KEYS_ONLY'}}]}"

/* qmk: pk S; GSI mki of a multi-attribute key: partition a S + b N, sort d S + e N + f S (ALL) */
#define IT_SCHEMA_QMK \
    "{'TableName':'qmk','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}]," \
    "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}," \
    "{'AttributeName':'a','AttributeType':'S'},{'AttributeName':'b','AttributeType':'N'}," \
    "{'AttributeName':'d','AttributeType':'S'},{'AttributeName':'e','AttributeType':'N'}," \
    "{'AttributeName':'f','AttributeType':'S'}],'BillingMode':'PAY_PER_REQUEST'," \
    "'GlobalSecondaryIndexes':[{'IndexName':'mki','KeySchema':[" \
    "{'AttributeName':'a','KeyType':'HASH'},{'AttributeName':'b','KeyType':'HASH'}," \
    "{'AttributeName':'d','KeyType':'RANGE'},{'AttributeName':'e','KeyType':'RANGE'}," \
    "{'AttributeName':'f','KeyType':'RANGE'}],'Projection':{'ProjectionType':'ALL'}}]}"

#endif
