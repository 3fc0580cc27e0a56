#!/usr/bin/python3
"""Records the expression golden corpus (tests/golden/expr/*.json) from DynamoDB Local.

Each case: kind + expression text + ExpressionAttributeNames/Values + item -> what DynamoDB
Local answered:
  condition / filter  -> true/false (DeleteItem with ConditionExpression / Scan with
                         FilterExpression on a table holding just the item)
  update              -> the new item (UpdateItem ReturnValues=ALL_NEW), or with "rv" the
                         UPDATED_OLD / UPDATED_NEW attributes
  projection          -> the projected item (GetItem ProjectionExpression; null when absent)
  keycond             -> the sort keys returned by Query over a fixed data set
  legacy_cond / legacy_update / legacy_keycond -> Expected / AttributeUpdates / KeyConditions
or the exact error {"type": ..., "message": ...}.
Values are DynamoDB JSON (B as base64).  tests/unit/expr/test_golden.c replays the corpus
through the expr API without Java.

usage: tools/record_expr_golden.py [port]          record (DynamoDB Local on the port; 8103)
       tools/record_expr_golden.py --check [port]  replay the corpus against another endpoint
                                                   (e.g. ddbchat) and list the differences
EXPR_SEED=<n> changes the seed of the random group (held-out checks; commit only the default).
"""
import base64
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

PORT = int([a for a in sys.argv[1:] if a.isdigit()][0]) if any(
    a.isdigit() for a in sys.argv[1:]) else 8103
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'golden', 'expr')

c = boto3.client('dynamodb', endpoint_url='http://127.0.0.1:%d' % PORT, region_name='us-east-1',
                 aws_access_key_id='x', aws_secret_access_key='x',
                 config=Config(parameter_validation=False, retries={'max_attempts': 0}))

T1, TQN, TQS = 'gold_item', 'gold_qn', 'gold_qs'


def setup():
    for name, keys in ((T1, [('pk', 'S', 'HASH')]),
                       (TQN, [('pk', 'S', 'HASH'), ('sk', 'N', 'RANGE')]),
                       (TQS, [('pk', 'S', 'HASH'), ('sk', 'S', 'RANGE')])):
        try:
            c.delete_table(TableName=name)
        except ClientError:
            pass
        c.create_table(TableName=name,
                       KeySchema=[{'AttributeName': k, 'KeyType': t} for k, _, t in keys],
                       AttributeDefinitions=[{'AttributeName': k, 'AttributeType': ty}
                                             for k, ty, _ in keys],
                       BillingMode='PAY_PER_REQUEST')
    for pk in ('a', 'b'):
        for i in range(1, 11):
            c.put_item(TableName=TQN, Item={'pk': {'S': pk}, 'sk': {'N': str(i)}})
        for s in ('a', 'ab', 'abc', 'b', 'ba', 'c', 'x\u00e9', 'z'):
            c.put_item(TableName=TQS, Item={'pk': {'S': pk}, 'sk': {'S': s}})


# ---- JSON <-> wire --------------------------------------------------------------------------

def to_json(v):
    """boto3 value (bytes for B) -> DynamoDB JSON with base64."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == 'B':
                out[k] = base64.b64encode(x).decode()
            elif k == 'BS':
                out[k] = [base64.b64encode(b).decode() for b in x]
            else:
                out[k] = to_json(x)
        return out
    if isinstance(v, list):
        return [to_json(x) for x in v]
    return v


def item_json(it):
    return None if it is None else {k: to_json(v) for k, v in it.items()}


def vals_json(vals):
    return None if vals is None else {k: to_json(v) for k, v in vals.items()}


def call(f, **kw):
    try:
        r = f(**kw)
        return True, r
    except ClientError as ex:
        return False, {'error': {'type': ex.response['Error']['Code'],
                                 'message': ex.response['Error']['Message']}}


def put(item):
    c.delete_item(TableName=T1, Key={'pk': {'S': 'x'}})
    if item is not None:
        it = dict(item)
        it['pk'] = {'S': 'x'}
        c.put_item(TableName=T1, Item=it)


def exprargs(kw, names, values):
    if names is not None:
        kw['ExpressionAttributeNames'] = names
    if values is not None:
        kw['ExpressionAttributeValues'] = values


# ---- case runners -------------------------------------------------------------------------

def run_condition(cs):
    put(cs['item'])
    kw = dict(TableName=T1, Key={'pk': {'S': 'x'}}, ConditionExpression=cs['expr'])
    exprargs(kw, cs.get('names'), cs.get('values'))
    ok, r = call(c.delete_item, **kw)
    if ok:
        return True
    if r['error']['type'] == 'ConditionalCheckFailedException':
        return False
    return r


def run_filter(cs):
    put(cs['item'])
    kw = dict(TableName=T1, FilterExpression=cs['expr'])
    exprargs(kw, cs.get('names'), cs.get('values'))
    ok, r = call(c.scan, **kw)
    if not ok:
        return r
    return len(r['Items']) == 1


def run_update(cs):
    put(cs['item'])
    kw = dict(TableName=T1, Key={'pk': {'S': 'x'}}, UpdateExpression=cs['expr'],
              ReturnValues=cs.get('rv', 'ALL_NEW'))
    exprargs(kw, cs.get('names'), cs.get('values'))
    ok, r = call(c.update_item, **kw)
    if not ok:
        return r
    return item_json(r.get('Attributes', {}))


def run_projection(cs):
    put(cs['item'])
    kw = dict(TableName=T1, Key={'pk': {'S': 'x'}}, ProjectionExpression=cs['expr'])
    exprargs(kw, cs.get('names'), None)
    ok, r = call(c.get_item, **kw)
    if not ok:
        return r
    return item_json(r.get('Item'))


def sort_keys(items):
    return [to_json(i['sk']) for i in items]


def run_keycond(cs):
    table = TQS if cs['schema']['range_type'] == 'S' else TQN
    kw = dict(TableName=table, KeyConditionExpression=cs['expr'])
    exprargs(kw, cs.get('names'), cs.get('values'))
    ok, r = call(c.query, **kw)
    if not ok:
        return r
    return {'pk': sorted({i['pk']['S'] for i in r['Items']}), 'sk': sort_keys(r['Items'])}


def run_legacy_cond(cs):
    put(cs['item'])
    kw = dict(TableName=T1, Key={'pk': {'S': 'x'}}, Expected=cs['expected'])
    if cs.get('op'):
        kw['ConditionalOperator'] = cs['op']
    ok, r = call(c.delete_item, **kw)
    if ok:
        return True
    if r['error']['type'] == 'ConditionalCheckFailedException':
        return False
    return r


def run_legacy_update(cs):
    put(cs['item'])
    ok, r = call(c.update_item, TableName=T1, Key={'pk': {'S': 'x'}},
                 AttributeUpdates=cs['updates'], ReturnValues='ALL_NEW')
    if not ok:
        return r
    return item_json(r.get('Attributes', {}))


def run_legacy_keycond(cs):
    table = TQS if cs['schema']['range_type'] == 'S' else TQN
    ok, r = call(c.query, TableName=table, KeyConditions=cs['conditions'])
    if not ok:
        return r
    return {'pk': sorted({i['pk']['S'] for i in r['Items']}), 'sk': sort_keys(r['Items'])}


RUN = {'condition': run_condition, 'filter': run_filter, 'update': run_update,
       'projection': run_projection, 'keycond': run_keycond, 'legacy_cond': run_legacy_cond,
       'legacy_update': run_legacy_update, 'legacy_keycond': run_legacy_keycond}

# ---- the cases ----------------------------------------------------------------------------

S = lambda x: {'S': x}
N = lambda x: {'N': x}
B = lambda x: {'B': x}
L = lambda *x: {'L': list(x)}
M = lambda **x: {'M': x}

BASE = {
    's': S('hello'), 's2': S('h\u00e9llo'), 'se': S('a\U0001F600'), 'n': N('5'), 'n2': N('-1.5'),
    'nb': N('12345678901234567890123456789012345678'), 'b': B(b'abc'), 't': {'BOOL': True},
    'z': {'NULL': True}, 'l': L(S('a'), N('1'), M(x=S('y')), L(N('1'), N('2'))),
    'm': M(a=M(b=N('1'), c=L(N('0'), N('1'))), s=S('x')), 'ss': {'SS': ['a', 'b']},
    'ns': {'NS': ['1', '2.5']}, 'bs': {'BS': [b'a', b'b']}, 'es': S(''), 'el': L(), 'em': M(),
    'Date': S('d'),
}


def used(expr, values):
    """Only the placeholders the text mentions (so unused-value errors are deliberate)."""
    if values is None:
        return None
    import re
    u = {k: v for k, v in values.items() if re.search(re.escape(k) + r'(?![A-Za-z0-9_])', expr)}
    return u or None


VALS = {':s': S('hello'), ':s2': S('h\u00e9llo'), ':h': S('he'), ':n': N('5'), ':n1': N('1'),
        ':n2': N('2'), ':n5': N('5.0'), ':n9': N('9'), ':neg': N('-1.5'), ':b': B(b'abc'),
        ':bp': B(b'ab'), ':bb': B(b'b'), ':t': {'BOOL': True}, ':f': {'BOOL': False},
        ':z': {'NULL': True}, ':a': S('a'), ':x': S('x'), ':y': S('y'), ':ss': {'SS': ['b', 'a']},
        ':ss1': {'SS': ['a']}, ':ns': {'NS': ['2.50', '1']}, ':bs': {'BS': [b'b', b'a']},
        ':l': L(S('a'), N('1'), M(x=S('y')), L(N('1'), N('2'))), ':l1': L(S('q')),
        ':m': M(a=M(b=N('1'), c=L(N('0'), N('1'))), s=S('x')), ':mx': M(x=S('y')),
        ':es': S(''), ':el': L(), ':tS': S('S'), ':tN': S('N'), ':tB': S('B'), ':tBOOL': S('BOOL'),
        ':tNULL': S('NULL'), ':tL': S('L'), ':tM': S('M'), ':tSS': S('SS'), ':tNS': S('NS'),
        ':tBS': S('BS'), ':tX': S('X'), ':big': N('9E125'), ':tiny': N('1E-130'),
        ':p38': N('0.00000000000000000000000000000000000001'), ':hello': S('hello')}

NAMES = {'#s': 's', '#m': 'm', '#a': 'a', '#d': 'Date', '#l': 'l', '#n': 'n', '#dot': 'x.y',
         '#pk': 'pk'}


def cond_cases():
    cs = []

    def add(expr, item=BASE, names=None, values=VALS, kind='condition', name=None):
        cs.append({'kind': kind, 'name': name or expr, 'expr': expr,
                   'names': used(expr, names), 'values': used(expr, values), 'item': item})

    # comparisons across types
    for attr in ('s', 'n', 'b', 't', 'z', 'l', 'm', 'ss', 'ns', 'bs', 'nope', 'n2', 'es'):
        for val in (':s', ':n', ':b', ':t', ':z', ':l', ':m', ':ss', ':ns', ':bs', ':es'):
            if attr in ('s', 'n', 'nope', 'm', 'ss') or val in (':s', ':n', ':ss'):
                add('%s = %s' % (attr, val))
                add('%s <> %s' % (attr, val))
    for attr in ('s', 'n', 'b', 'n2', 'nope', 's2'):
        for op in ('<', '<=', '>', '>='):
            for val in (':s', ':n', ':neg', ':b', ':bb', ':h', ':n5', ':n9'):
                if (attr, val) in (('s', ':s'), ('s', ':h'), ('n', ':n'), ('n', ':n5'),
                                   ('n', ':n9'), ('n2', ':neg'), ('b', ':b'), ('b', ':bb'),
                                   ('nope', ':n'), ('s', ':n'), ('n', ':s'), ('s2', ':s'),
                                   ('b', ':bp')):
                    add('%s %s %s' % (attr, op, val))
    for op in ('<', '<=', '>', '>='):
        for val in (':t', ':z', ':l', ':m', ':ss', ':ns'):
            add('s %s %s' % (op, val))
    add(':n < :n9')
    add(':s = :s')
    add('n = :n5')
    add('nb = nb')
    add('n < n2')
    add('n2 < n')
    add('s = s2')
    # BETWEEN / IN
    for e in ('n BETWEEN :n1 AND :n9', 'n BETWEEN :n AND :n5', 'n BETWEEN :n9 AND :n1',
              'n BETWEEN :n1 AND :s', 's BETWEEN :a AND :x', 's BETWEEN :h AND :s',
              's BETWEEN :n1 AND :n9', 'nope BETWEEN :n1 AND :n9', 'n BETWEEN :n1 AND n',
              'n BETWEEN n AND :n9', 'n BETWEEN :m AND :m', 'n BETWEEN :t AND :t',
              'b BETWEEN :bp AND :bb', 'size(s) BETWEEN :n1 AND :n9', 'n BETWEEN n2 AND nb',
              'n IN (:n1, :n2, :n5)', 'n IN (:n1, :n2)', 's IN (:s)', 's IN (:n, :s, :b)',
              'nope IN (:s)', 'm IN (:m)', 'ss IN (:ss)', 'l IN (:l, :a)', 'n IN (n, :n)',
              'n IN (n2, s, n)', ':s IN (s, n)', 's IN (:s, :s)', 'n IN :n', 'n IN ()',
              'n in (:n)', 'n between :n1 and :n9'):
        add(e)
    add('n IN (%s)' % ', '.join([':n1'] * 100))
    add('n IN (%s)' % ', '.join([':n1'] * 101))
    # functions
    for e in ('attribute_exists(s)', 'attribute_exists(nope)', 'attribute_not_exists(s)',
              'attribute_not_exists(nope)', 'attribute_exists(m.a.b)', 'attribute_exists(m.a.x)',
              'attribute_exists(l[0])', 'attribute_exists(l[9])', 'attribute_exists(l[2].x)',
              'attribute_exists(m.a.c[1])', 'attribute_exists(s.x)', 'attribute_exists(s[0])',
              'attribute_exists(z)', 'attribute_exists(es)',
              'attribute_type(s, :tS)', 'attribute_type(s, :tN)', 'attribute_type(n, :tN)',
              'attribute_type(b, :tB)', 'attribute_type(t, :tBOOL)', 'attribute_type(z, :tNULL)',
              'attribute_type(l, :tL)', 'attribute_type(m, :tM)', 'attribute_type(ss, :tSS)',
              'attribute_type(ns, :tNS)', 'attribute_type(bs, :tBS)', 'attribute_type(nope, :tS)',
              'attribute_type(s, :tX)', 'attribute_type(s, :n)', 'attribute_type(s, s)',
              'attribute_type(:s, :tS)', 'attribute_type(m.a, :tM)',
              'begins_with(s, :h)', 'begins_with(s, :s)', 'begins_with(s, :x)',
              'begins_with(s, :es)', 'begins_with(b, :bp)', 'begins_with(b, :bb)',
              'begins_with(n, :h)', 'begins_with(nope, :h)', 'begins_with(s, :n)',
              'begins_with(s, :b)', 'begins_with(:s, :h)', 'begins_with(s, s)',
              'begins_with(s2, :h)', 'begins_with(s, :ss)',
              'contains(s, :h)', 'contains(s, :x)', 'contains(s, :es)', 'contains(s2, :s)',
              'contains(b, :bb)', 'contains(b, :bp)', 'contains(ss, :a)', 'contains(ss, :x)',
              'contains(ns, :n1)', 'contains(ns, :n2)', 'contains(bs, :bb)', 'contains(ss, :n1)',
              'contains(l, :a)', 'contains(l, :n1)', 'contains(l, :mx)', 'contains(l, :x)',
              'contains(m, :s)', 'contains(n, :n)', 'contains(nope, :a)', 'contains(s, :n)',
              'contains(s, s)', 'contains(:s, :h)', 'contains(s, :ss)', 'NOT contains(nope, :a)',
              'size(s) = :n', 'size(s2) = :n', 'size(se) = :n', 'size(b) = :n', 'size(ss) = :n2',
              'size(ns) = :n2', 'size(l) = :n', 'size(m) = :n2', 'size(em) = :n', 'size(es) < :n1',
              'size(n) = :n1', 'size(n) <> :n1', 'size(t) = :n1', 'size(nope) = :n1',
              'size(nope) <> :n1', 'size(:s) = :n', 'size(:n) = :n1', 'size(:t) = :n1',
              'size(s) > size(b)', 'size(size(s)) = :n1', 'size(s) = size(s)',
              'size(l[3]) = :n2', 'size(m.a) = :n2', 'size(s) = :s', 'size(s)', '(size(s)) = :n',
              'size((s)) = :n', 'size(s, b) = :n', 'size() = :n',
              'attribute_exists(s) = :t', ':t = attribute_exists(s)', 'begins_with(s, :h) = :t',
              'contains(s)', 'contains(s, :h, :x)', 'attribute_exists()', 'attribute_exists(:s)',
              'attribute_exists(s, n)', 'attribute_not_exists(:s)', 'foo(s)', 'Size(s) = :n',
              'ATTRIBUTE_EXISTS(s)', 'if_not_exists(s, :s) = :s', 'list_append(l, :l) = :l',
              'attribute_type(s)', 'begins_with(s)'):
        add(e)
    # logic
    for e in ('s = :s AND n = :n', 's = :s AND n = :n1', 's = :x OR n = :n', 's = :x OR n = :n1',
              'NOT s = :s', 'NOT s = :x', 'NOT NOT s = :s', 'NOT (s = :s AND n = :n1)',
              's = :x AND n = :n1 OR s = :s', 's = :s OR n = :n1 AND s = :x',
              '(s = :s OR n = :n1) AND s = :x', 'NOT s = :x AND n = :n1',
              'NOT (s = :x) AND n = :n', 's = :x OR NOT n = :n1', '(s = :s)', '((s = :s))',
              '(s = :s) AND ((n = :n))', '(((s)) = :s)', 's = ((:s))', '(s) = :s', 's = (:s)',
              '(NOT s = :x)', 'NOT (NOT (s = :s))', 'NOT ((s = :s))',
              's = :s and n = :n', 's = :s Or n = :n1', 'nOt s = :x',
              'attribute_exists(s) AND attribute_not_exists(nope) AND begins_with(s, :h) AND '
              'contains(ss, :a) AND size(l) = :n AND n BETWEEN :n1 AND :n9 AND s IN (:s)'):
        add(e)
    # paths and names
    for e in ('m.a.b = :n1', 'm.a.c[1] = :n1', 'm.a.c[0] = :n1', 'l[0] = :a', 'l[2].x = :y',
              'l[3][1] = :n2', 'l[3][9] = :n2', 'm.s = :x', 'm.nope.x = :x', 'l.x = :x',
              'm[0] = :x', 's.x = :x', 'l[0].x = :x', '#s = :s', '#m.#a.b = :n1', '#d = :x',
              '#dot = :x', 'm.#a.c[1] = :n1', '#l[2].x = :y', '#nope = :s', 's = :nope',
              '#pk = :x', 'pk = :x', 'l[ 2 ] . x = :y', 'm . s = :x', 'l[00] = :a', 'l[-1] = :a',
              'l[2147483647] = :a', 'l[2147483648] = :a', 'l[99999999999] = :a', 'l[x] = :a',
              'l[1.5] = :a', 'l[] = :a', 'm.[0] = :a', 'm. = :a', '.m = :a', 'm..a = :a',
              'a%s = :a' % ('.a' * 31), 'a%s = :a' % ('.a' * 32), 'a%s = :a' % ('[0]' * 40),
              'Date = :x', 'date = :x', 'm.date = :x', 'm.Size = :x', 'size = :x', 'names = :x',
              'value = :x', 'VALUES = :x', 's = :x AND date = :x', 'date = :x AND foo(s)',
              'foo(s) AND date = :x', 'size(s) AND date = :x', 's = :nope AND date = :x',
              's = :nope AND contains(s)', 'contains(s) AND s = :nope', 's = s AND contains(s)',
              'contains(s) AND s = s', 's = #nope AND n = :nope', 'n = :nope AND s = #nope',
              'begins_with(s, :n) AND s = :nope', 'contains(s, s) AND begins_with(s, :n)',
              '((s = :s)) AND date = :x', 'foo(s) AND ((s = :s))', '_a = :a', 'a_1 = :a',
              'A1_b = :a', '1a = :a', 'a-b = :a', 'a$ = :a', '\u00e9 = :a', 's = :s\n AND\tn = :n'):
        add(e)
    # syntax errors
    for e in ('s x', 's = :s AND', 's = ', '= :s', 's = :s n = :n', '(s = :s', 's = :s)',
              's == :s', 's <> = :s', 's != :s', 's = :s AND AND n = :n', 'NOT', 'OR s = :s',
              's = :s OR', 'attribute_exists(s', 'attribute_exists s', 'begins_with(s :h)',
              ':s', 's', 's = :s # n', 's = #', 's = :', 's = @', 'AND = :s', 'and = :s',
              's = :s AND (', 's BETWEEN :n1', 's BETWEEN :n1 OR :n9', 's IN (:s,)',
              's IN (:s', 's -1', 's = :s,', 's = :s; n = :n', '  s   x', ' ', '\t', '()',
              '(s) ', 's = :s ) AND (n = :n', 'NOT NOT', 's = :s AND NOT', 's < > :s',
              's = "x"', "s = 'x'", 's = 5', 's = true', 's = :s\n x'):
        add(e)
    add('')
    add('s = :s AND ' * 370 + 's = :s')
    add('s = :s AND ' * 371 + 's = :s')
    add('(' * 60 + 's = :s' + ')' * 60)
    for kw in ('set', 'remove', 'add', 'delete', 'between', 'in', 'not', 'or', 'SET', 'Remove'):
        add('%s = :s' % kw)
        add('m.%s = :s' % kw)
    for e in ('s\r= :s', 's\x0b= :s', 's\x0c= :s', 's\u00a0= :s', 's\u2003= :s', 's\x00= :s',
              'size (s) = :n', 'attribute_exists (s)', 'contains( s , :h )', 's = :s\r\nAND n = :n',
              's = :s--x', 's = :s /* c */', '#s- = :s', 's = :s.x', 's = :s[0]', 's = :s.#s',
              'm.#s = :s', 'l[#s] = :s', 'l[:n] = :s', 's = ##s', 's = ::s', 's = :#s',
              's=:s', 's<>:x', 's>=:h', 'n<>:n', 'NOT(s = :x)', 'NOT(s)= :s', 'size(s)=:n',
              'attribute_exists(s)AND attribute_exists(n)', 's IN(:s)', 'n BETWEEN:n1 AND:n9',
              'contains(ss, :ss1)', 'contains(ss, :ss)', 'contains(l, :l)', 'contains(:ss, :a)',
              'begins_with(ss, :a)', 'size(:ss) = :n2', 'attribute_type(:n, :tN)',
              'attribute_type(s, :tS) = :t', 'NOT attribute_type(s, :tS)'):
        add(e, names=NAMES)
    add('NOT ' * 100 + 's = :s')
    add('(' * 2000 + 's' + ')' * 2000 + ' = :s')
    add('(' * 2000 + 's = :s')
    add('(' * 2040 + 's = :s' + ')' * 2040)
    add('NOT ' * 1000 + 's = :s')
    add('s = ' + '(' * 2000 + ':s' + ')' * 2000)
    # ordering details: numbers numerically, binary unsigned, strings by UTF-8 bytes
    OI = {'n10': N('10'), 'n9': N('9'), 'nneg': N('-10'), 'nsmall': N('1E-130'), 'nzero': N('0'),
          'nbig': N('9.9999999999999999999999999999999999999E+125'), 'bff': B(b'\xff'),
          'b01': B(b'\x01\xff'), 'sff': S('\uffff'), 'semoji': S('\U0001F600'),
          'sa': S('a'), 'sA': S('A'), 'sab': S('ab')}
    for e in ('n10 > n9', 'nneg < n9', 'nsmall > nzero', 'nbig > n10', 'nneg < nsmall',
              'bff > b01', 'semoji > sff', 'sff < semoji', 'sa > sA', 'sab > sa',
              'n10 BETWEEN n9 AND nbig', 'bff BETWEEN b01 AND bff', 'sab BETWEEN sa AND sab',
              'contains(sab, sa)', 'begins_with(semoji, semoji)', 'n10 = n9', 'n10 <> n9'):
        add(e, item=OI)
    # missing item
    for e in ('attribute_not_exists(s)', 'attribute_exists(s)', 's = :s', 's <> :s',
              'NOT contains(s, :h)', 'size(s) <> :n'):
        add(e, item=None, name='missing item: ' + e)
    # unused / placeholder rules
    cs.append({'kind': 'condition', 'name': 'unused value', 'expr': 's = :s',
               'names': None, 'values': {':s': S('hello'), ':x': S('x'), ':a': S('a')},
               'item': BASE})
    cs.append({'kind': 'condition', 'name': 'unused name', 'expr': 's = :s',
               'names': {'#b': 'x', '#a': 'y'}, 'values': {':s': S('hello')}, 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'unused name and value', 'expr': 's = :s',
               'names': {'#b': 'x'}, 'values': {':s': S('hello'), ':q': S('q')}, 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'bad name key', 'expr': 's = :s',
               'names': {'x': 's'}, 'values': {':s': S('hello')}, 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'bad value key', 'expr': 's = :s',
               'names': None, 'values': {':s': S('hello'), 'v': S('q')}, 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'bad value key dash', 'expr': 's = :s',
               'names': None, 'values': {':s': S('hello'), ':v-1': S('q')}, 'item': BASE})
    for nm, names, values in (
            ('long value key 255', None, {':' + 'a' * 254: S('1')}),
            ('long value key 256', None, {':' + 'a' * 255: S('1')}),
            ('long name key 255', {'#' + 'a' * 254: 's'}, None),
            ('long name key 256', {'#' + 'a' * 255: 's'}, None),
            ('long bad name key', {'#' + '-' * 300: 's'}, None),
            ('empty name value', {'#a': ''}, None),
            ('empty name value after bad key', {'#a': '', 'b': 'x'}, None),
            ('name value 64K', {'#n': 'a' * 65536}, None),
            ('name value 64K-1 unused', {'#n': 'a' * 65535}, None)):
        cs.append({'kind': 'condition', 'name': nm, 'expr': 's = :s', 'names': names,
                   'values': dict(values or {}, **{':s': S('hello')}), 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'name used twice', 'expr': '#s = :s OR #s = :x',
               'names': {'#s': 's'}, 'values': {':s': S('hello'), ':x': S('x')}, 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'reserved via name', 'expr': '#d = :s',
               'names': {'#d': 'date'}, 'values': {':s': S('hello')}, 'item': BASE})
    cs.append({'kind': 'condition', 'name': 'name maps to path text', 'expr': '#dot = :x',
               'names': {'#dot': 'm.s'}, 'values': {':x': S('x')}, 'item': BASE})
    add('#q1 = :s AND #r1 = :s')
    add('s = :x1 AND n = :y1')
    # filter kind: same grammar, other prefix
    for e in ('s = :s', 's = :x', 's x', 'size(s)', 's = :nope', 'date = :s', 'foo(s)',
              'contains(s)', ''):
        add(e, kind='filter')
    return cs


UITEM = {'n': N('5'), 's': S('x'), 'l': L(N('0'), N('1'), N('2'), N('3')),
         'm': M(a=M(b=N('1')), z=N('1')), 'ss': {'SS': ['a', 'b']}, 'ns': {'NS': ['1', '2']},
         'bs': {'BS': [b'a']}, 'll': L(L(N('0'), N('1')), L(N('2'))), 'lm': L(M(a=N('1'))),
         'Date': S('d')}


def reserved_cases():
    """Every word of DynamoDB's documented reserved-word list, as a bare name."""
    here = os.path.dirname(os.path.abspath(__file__))
    src = open(os.path.join(here, '..', 'src', 'expr', 'expr_reserved.c')).read()
    import re
    words = set(re.findall(r'^    "([A-Z_]+)",$', src, re.M)) | {'SIZE', 'CONVERT'}
    cs = []
    for w in sorted(words):
        for text in ('%s = :s' % w.lower(), 'm.%s = :s' % w.capitalize()):
            cs.append({'kind': 'condition', 'name': text, 'expr': text, 'names': None,
                       'values': {':s': S('x')}, 'item': None})
    return cs


def random_cases():
    """Grammar-generated conditions and updates (fixed seed): differential coverage of
    combinations nobody thought to write down."""
    import random
    rnd = random.Random(int(os.environ.get("EXPR_SEED", "20261126")))
    attrs = ['s', 's2', 'n', 'n2', 'b', 't', 'z', 'l', 'm', 'ss', 'ns', 'bs', 'es', 'el', 'em',
             'nope', 'm.a', 'm.a.b', 'm.a.c[1]', 'l[0]', 'l[2].x', 'l[3][0]', 'm.s', 'l[9]']
    vals = [':s', ':h', ':x', ':n', ':n1', ':n9', ':neg', ':b', ':bp', ':t', ':z', ':a', ':ss1',
            ':ns', ':l1', ':mx', ':es']
    scal = [':s', ':h', ':x', ':n', ':n1', ':n9', ':neg', ':b', ':bp', ':a']

    def operand():
        k = rnd.random()
        if k < 0.45:
            return rnd.choice(attrs)
        if k < 0.9:
            return rnd.choice(vals)
        return 'size(%s)' % rnd.choice(attrs)

    def comparison():
        k = rnd.random()
        a = rnd.choice(attrs) if rnd.random() < 0.8 else operand()
        if k < 0.4:
            return '%s %s %s' % (a, rnd.choice(['=', '<>', '<', '<=', '>', '>=']), operand())
        if k < 0.5:
            lo, hi = sorted([rnd.choice([':n1', ':n9', ':neg']) for _ in range(2)],
                            key=lambda v: {':neg': -1.5, ':n1': 1, ':n9': 9}[v])
            if rnd.random() < 0.5:
                lo, hi = sorted([rnd.choice([':a', ':h', ':s', ':x']) for _ in range(2)],
                                key=lambda v: VALS[v]['S'])
            return '%s BETWEEN %s AND %s' % (a, lo, hi)
        if k < 0.6:
            return '%s IN (%s)' % (a, ', '.join(rnd.sample(vals, rnd.randint(1, 4))))
        f = rnd.choice(['attribute_exists(%s)', 'attribute_not_exists(%s)',
                        'begins_with(%s, %s)', 'contains(%s, %s)', 'attribute_type(%s, %s)'])
        if f.startswith('begins_with'):
            return f % (rnd.choice(attrs), rnd.choice([':h', ':s', ':bp', ':es', ':a']))
        if f.startswith('contains'):
            return f % (rnd.choice(attrs), rnd.choice(scal + [':n1', ':mx']))
        if f.startswith('attribute_type'):
            return f % (rnd.choice(attrs), rnd.choice([':tS', ':tN', ':tM', ':tL', ':tSS',
                                                       ':tNULL', ':tBOOL', ':tB', ':tNS']))
        return f % rnd.choice(attrs)

    def cond(depth=0):
        k = rnd.random()
        if depth > 2 or k < 0.45:
            return comparison()
        if k < 0.6:
            return 'NOT ' + ('(%s)' % cond(depth + 1) if rnd.random() < 0.6 else comparison())
        op = rnd.choice(['AND', 'OR'])
        left, right = cond(depth + 1), cond(depth + 1)
        if rnd.random() < 0.3:
            left = '(%s)' % left
        if rnd.random() < 0.3:
            right = '(%s)' % right
        return '%s %s %s' % (left, op, right)

    cs = []
    seen = set()
    while len(cs) < 400:
        e = cond()
        if e in seen:
            continue
        seen.add(e)
        cs.append({'kind': 'condition', 'name': 'random: ' + e, 'expr': e, 'names': None,
                   'values': used(e, VALS), 'item': BASE})

    uattrs = ['n', 's', 'l', 'm', 'ss', 'ns', 'bs', 'a', 'b', 'm.a', 'm.a.b', 'm.q', 'l[0]',
              'l[2]', 'l[7]', 'll[0][1]', 'll[1]', 'lm[0].a', 'lm[0].q', 'x.y', 'm.z']
    uvals = [':s', ':n1', ':neg', ':ss1', ':ns', ':l1', ':mx', ':t', ':z', ':es', ':bs']

    def setval():
        k = rnd.random()
        if k < 0.35:
            return rnd.choice(uvals)
        if k < 0.5:
            return rnd.choice(uattrs)
        if k < 0.7:
            return '%s %s %s' % (rnd.choice(['n', 'm.a.b', ':n1', 'a', 'lm[0].a']),
                                 rnd.choice('+-'), rnd.choice([':n1', ':neg', 'n', ':p38']))
        if k < 0.85:
            return 'if_not_exists(%s, %s)' % (rnd.choice(uattrs), rnd.choice(uvals))
        return 'list_append(%s, %s)' % (rnd.choice(['l', ':l1', 'll', 'a']),
                                        rnd.choice([':l1', 'l', ':el']))

    while len(cs) < 700:
        clauses = []
        used_paths = []
        for clause in rnd.sample(['SET', 'REMOVE', 'ADD', 'DELETE'], rnd.randint(1, 3)):
            acts = []
            for _ in range(rnd.randint(1, 3)):
                pth = rnd.choice(uattrs)
                used_paths.append(pth)
                if clause == 'SET':
                    acts.append('%s = %s' % (pth, setval()))
                elif clause == 'REMOVE':
                    acts.append(pth)
                elif clause == 'ADD':
                    acts.append('%s %s' % (pth, rnd.choice([':n1', ':neg', ':ss1', ':ns', ':bs'])))
                else:
                    acts.append('%s %s' % (pth, rnd.choice([':ss1', ':ns', ':bs'])))
            clauses.append('%s %s' % (clause, ', '.join(acts)))
        e = ' '.join(clauses)
        # DynamoDB Local names odd pairs when three or more paths overlap (an implementation
        # quirk, not a rule); random updates keep their paths apart, the hand-written cases
        # pin the overlap messages
        def parts(pth):
            import re as _re
            return _re.findall(r'[A-Za-z_]+|\[\d+\]', pth)

        def clash(x, y):
            a, b = parts(x), parts(y)
            k = min(len(a), len(b))
            return a[:k] == b[:k] or any(
                a[i] != b[i] and (a[i][0] == '[') != (b[i][0] == '[') and a[:i] == b[:i]
                for i in range(k))
        if any(clash(used_paths[i], used_paths[j]) for i in range(len(used_paths))
               for j in range(i + 1, len(used_paths))):
            continue
        if e in seen:
            continue
        seen.add(e)
        cs.append({'kind': 'update', 'name': 'random: ' + e, 'expr': e, 'names': None,
                   'values': used(e, VALS), 'item': UITEM})
    return cs


def update_cases():
    cs = []

    def add(expr, item=UITEM, names=None, values=VALS, rv=None, name=None):
        d = {'kind': 'update', 'name': name or expr, 'expr': expr,
             'names': used(expr, names), 'values': used(expr, values), 'item': item}
        if rv:
            d['rv'] = rv
            d['name'] = rv + ': ' + d['name']
        cs.append(d)

    for e in ('SET a = :s', 'SET n = :s', 'SET a = :s, b = :n', 'SET m.a.c = :n', 'SET m.a.b = :s',
              'SET m.q = :m', 'SET x.y = :n', 'SET m.q.r = :n', 'SET s.x = :n', 'SET s[0] = :n',
              'SET l[0] = :s', 'SET l[3] = :s', 'SET l[4] = :s', 'SET l[10] = :s',
              'SET l[10] = :s, l[7] = :n', 'SET l[0].x = :n', 'SET ll[1][0] = :s',
              'SET ll[1][5] = :s', 'SET lm[0].b = :s', 'SET lm[0].a.x = :s', 'SET m.a = :l',
              'SET a = :l, b = :m, c = :ss, d = :ns, e = :bs, f = :t, g = :z, h = :es, i = :el',
              'SET n = n + :n1', 'SET n = n - :n1', 'SET n = :n1 - n', 'SET n = n + :neg',
              'SET n = n - :neg', 'SET n = :n1 + :n2', 'SET a = n + n', 'SET n = n + :s',
              'SET n = s + :n1', 'SET n = nope + :n1', 'SET n = nope', 'SET a = s',
              'SET a = m.a', 'SET a = l[1]', 'SET a = l[9]', 'SET n = (n + :n1)',
              'SET n = n + :n1 + :n1', 'SET n = n + (:n1)', 'SET n = :big + :big',
              'SET n = :tiny - :p38', 'SET n = n + :p38', 'SET n = :p38 - :p38',
              'SET n = if_not_exists(n, :n1)', 'SET a = if_not_exists(a, :n1)',
              'SET a = if_not_exists(m.a.b, :n9)', 'SET a = if_not_exists(m.x, m.a)',
              'SET n = if_not_exists(n, :n1) + :n1', 'SET a = if_not_exists(:n, :n1)',
              'SET a = if_not_exists(a)', 'SET l = list_append(l, :l1)',
              'SET l = list_append(:l1, l)', 'SET a = list_append(:l1, :el)',
              'SET l = list_append(l, :s)', 'SET l = list_append(s, :l1)',
              'SET l = list_append(nope, :l1)', 'SET l = list_append(l)',
              'SET l = list_append(l, l)', 'SET a = size(s)', 'SET a = foo(s)',
              'SET a = if_not_exists(a, list_append(:l1, :l1))', 'SET a = :n + list_append(l, l)',
              'REMOVE s', 'REMOVE nope', 'REMOVE s, n', 'REMOVE m.a.b', 'REMOVE m.nope',
              'REMOVE m.nope.x', 'REMOVE x.y', 'REMOVE s.x', 'REMOVE l[1]', 'REMOVE l[1], l[2]',
              'REMOVE l[0], l[3]', 'REMOVE l[9]', 'REMOVE l[1], l[9]', 'REMOVE ll[0][1], ll[1]',
              'REMOVE ll[1][0], ll[0]', 'REMOVE s[0]', 'REMOVE lm[0].a', 'REMOVE m.a, l[0]',
              'REMOVE l[1] SET l[2] = :s', 'SET l[1] = :s REMOVE l[0]',
              'SET l[9] = :s REMOVE l[0]', 'REMOVE l[0], l[1], l[2], l[3]',
              'ADD n :n1', 'ADD n :neg', 'ADD a :n1', 'ADD ss :ss1', 'ADD ss :ss',
              'ADD ss :ns', 'ADD ns :ns', 'ADD a :ss', 'ADD s :n1', 'ADD n :ss', 'ADD m.a.x :n1',
              'ADD m.a.b :n1', 'ADD x.y :n1', 'ADD l :l', 'ADD a :s', 'ADD a :m', 'ADD a :t',
              'ADD a :z', 'ADD a :b', 'ADD n :nb', 'ADD n :p38', 'ADD n :n1, a :n2',
              'ADD bs :bs', 'ADD a b', 'ADD a', 'ADD a :n1 :n2',
              'DELETE ss :ss1', 'DELETE ss :ss', 'DELETE ss :ns', 'DELETE nope :ss',
              'DELETE s :ss', 'DELETE ns :ns', 'DELETE bs :bs', 'DELETE ss :a', 'DELETE a :n1',
              'DELETE a :l', 'DELETE ss :ss1, ns :ns', 'DELETE m.x :ss',
              'SET a = :s REMOVE s ADD n :n1 DELETE ss :ss1',
              'set a = :s remove s add n :n1 delete ss :ss1',
              'REMOVE s SET a = :s', 'SET a = :s SET b = :s', 'set a = :s SET b = :s',
              'REMOVE s REMOVE n', 'ADD n :n1 ADD a :n1', 'DELETE ss :ss1 DELETE ns :ns',
              'SET a = :s, a = :n', 'SET a = :s REMOVE a', 'REMOVE a SET a = :s',
              'SET m = :s REMOVE m.a', 'SET m.a = :s REMOVE m', 'SET l[1] = :s REMOVE l.x',
              'SET l[1] = :s, l[1] = :n', 'SET l[1] = :s, l[2] = :n', 'SET m.a.b = :s, m.a = :n',
              'SET a = :s, b = #nope', 'SET a = :nope, date = :s', 'SET a = :nope REMOVE a',
              'SET a = list_append(:s, :s), b = :nope', 'SET a = :n1 + :s, b = :nope',
              'ADD a :s, b :nope', 'SET #n = #n + :n1', 'SET #m.#a.b = :s', 'SET #d = :s',
              'REMOVE #dot', 'SET #pk = :s', 'SET pk = :s', 'REMOVE pk', 'ADD pk :n1',
              'SET pk.x = :s', 'SET date = :s', 'SET Date = :s', 'REMOVE m.date',
              'SET', 'SET a', 'SET a =', 'SET a = :s,', 'SET a = :s REMOVE', 'REMOVE', 'ADD',
              'DELETE', '', ' ', 'UPDATE a = :s', 'SET a := :s', 'SET a = :s b = :s',
              'SET a = :s, REMOVE b', 'REMOVE a = :s', 'SET a + :s', 'SET :s = a', 'SET a = b c',
              'SET a = :s AND b = :s', 'SET a = (:s)', 'SET a = ((:s))', 'SET (a) = :s',
              'SET a[0 = :s', 'SET a = n + :n1 - :n1', 'SET a = -:n1', 'SET a = :s,, b = :s',
              'SET a =:s,b=:n', 'SET\ta\n=\n:s'):
        add(e)
    def deep(k):
        v = S('x')
        for _ in range(k):
            v = M(a=v)
        return v
    dv = dict(VALS)
    dv.update({':d30': deep(30), ':d31': deep(31), ':d32': deep(32),
               ':ld31': L(deep(30)), ':el': L()})
    for e in ('SET m.q = :d30', 'SET m.q = :d31', 'SET a = :d31', 'SET a = :d32',
              'SET m.q = list_append(:ld31, :el)', 'SET a = list_append(:ld31, :el)',
              'SET lm[0].x = :d30', 'SET lm[0].x = :d31'):
        add(e, values=dv)
    for e in ('SET nope[0] = :s', 'SET m.a[0] = :s', 'REMOVE m.a[0]', 'SET a = :s, b = a',
              'SET n = n + n', 'SET a = list_append(if_not_exists(a, :el), :l1)',
              'SET l = list_append(if_not_exists(l, :el), :l1)', 'SET l[1] = l[0], l[0] = l[1]',
              'SET ll[0][1] = ll[1][0], ll[1][0] = ll[0][1]', 'SET m.a.b = m.a.b + :n1',
              'SET a = :es', 'ADD ss :ss1, ns :ns', 'REMOVE l[0], l[1], ll[0][0]',
              'SET l[2] = :s REMOVE l[1], l[3]', 'SET l[5] = :s, l[4] = :n REMOVE l[0]',
              'SET a = if_not_exists(n, :s)', 'SET s = if_not_exists(s, :n)',
              'DELETE ns :ns, ss :ss', 'SET lm[0].a = lm[0].a + :n1', 'REMOVE lm[0].a, lm[0].b'):
        add(e)
    for e in ('SET set = :s', 'SET a = set', 'REMOVE remove', 'SET and = :s', 'SET m.set = :s',
              'SET a = :s, set = :s', 'ADD add :n1', 'SET a = :s DELETE', 'SET a = :s remove',
              'SET a = :s SETb = :s', 'SETa = :s', 'SET a=:s REMOVEb'):
        add(e)
    # error order across actions: the last failing action is reported
    for e in ('SET a = :x1, b = :y1', 'SET a = #q1, b = :x1', 'SET a = :x1, b = #q1',
              'SET a = :x1, #q1 = :s', 'REMOVE #q1 SET a = :x1', 'SET a = :x1 REMOVE #q1',
              'REMOVE #q1, #r1', 'ADD b :y1 SET a = :x1', 'SET a = :x1 ADD b :y1',
              'SET a = :x1 + #q1', 'SET a = :x1 + #q1, b = #r1 + :y1',
              'SET a = :n + :s, b = list_append(:n, :n)', 'SET b = list_append(:n, :n), a = :n + :s',
              'ADD a :s DELETE b :n', 'DELETE b :n ADD a :s', 'SET a = :n + :s ADD b :s',
              'ADD b :s SET a = :n + :s', 'REMOVE #q1, #r1 SET #s1 = :s'):
        add(e)
    add('SET a = :s', item=None, name='missing item: SET a = :s')
    add('ADD n :n1', item=None, name='missing item: ADD n :n1')
    add('REMOVE s', item=None, name='missing item: REMOVE s')
    add('SET n = n + :n1', item=None, name='missing item: SET n = n + :n1')
    add('SET l[3] = :s', item=None, name='missing item: SET l[3]')
    add('DELETE ss :ss1', item=None, name='missing item: DELETE')
    for e in ('SET m.a.b = :n9', 'SET m.a.c = :n9', 'SET l[1] = :n9', 'SET l[9] = :n9',
              'REMOVE m.a.b', 'REMOVE l[1]', 'SET m.z = :n9, l[2] = :n9, n = :n9',
              'REMOVE m.q, x', 'ADD a :n1', 'ADD n :n1', 'DELETE ss :ss', 'DELETE ss :ss1',
              'SET s = s', 'SET a = if_not_exists(a, :n1)'):
        for rv in ('UPDATED_NEW', 'UPDATED_OLD'):
            add(e, rv=rv)
    return cs


def projection_cases():
    cs = []

    def add(expr, item=BASE, names=None):
        cs.append({'kind': 'projection', 'name': expr, 'expr': expr,
                   'names': used(expr, names), 'values': None, 'item': item})

    for e in ('s', 's, n', 'nope', 's, nope', 'm.a.b', 'm.a', 'm.a.b, m.s', 'm.a.c[1]',
              'm.a.c[1], m.a.c[0]', 'l[0]', 'l[3][1]', 'l[2].x', 'l[3], l[0]', 'l[9]',
              'l[0], l[9], l[2]', 'l.x', 'm[0]', 's.x', 'm.nope', 'm.a.nope, s', 'l[2].nope',
              '#s', '#m.#a', '#dot', '#nope', 's, s', 's, s.x', 'm.a, m.a.b', 'l[0], l[0]',
              'l[1], l[1].x', 'm.a.c, m.a.c[0]', 'l[0], l.x', 'date', 'Date', '#d', 's n',
              's,', ',s', '', ' ', 's, :x', 'size(s)', 'l[', 'm.', 'pk', 'ss, ns, bs, z, t, b',
              'em', 'el', 'es', 'l[0], m.a.b, s, ss', 'set', 'and', 'not', 'm.in', 'remove'):
        add(e, names=NAMES)
    add('s, m.a.b', item=None)
    add('#q1, #r1')
    add('#q1, s, s')
    add('s, s, #q1')
    return cs


def keycond_cases():
    cs = []
    SN = {'hash': 'pk', 'hash_type': 'S', 'range': 'sk', 'range_type': 'N'}
    SS = {'hash': 'pk', 'hash_type': 'S', 'range': 'sk', 'range_type': 'S'}
    KV = {':a': S('a'), ':b': S('b'), ':n1': N('1'), ':n3': N('3'), ':n5': N('5'),
          ':n10': N('10'), ':s': S('a'), ':sab': S('ab'), ':sb': S('b'), ':sz': S('z'),
          ':e': S('x\u00e9'), ':x': S('zzz'), ':bin': B(b'a')}

    def add(expr, schema=SN, names=None):
        cs.append({'kind': 'keycond', 'name': '%s (%s)' % (expr, schema['range_type']),
                   'expr': expr, 'names': used(expr, names), 'values': used(expr, KV),
                   'schema': schema, 'item': None})

    for e in ('pk = :a', 'pk = :b', 'pk = :x', 'pk = :a AND sk = :n3', 'pk = :a AND sk < :n3',
              'pk = :a AND sk <= :n3', 'pk = :a AND sk > :n3', 'pk = :a AND sk >= :n3',
              'pk = :a AND sk BETWEEN :n3 AND :n5', 'pk = :a AND sk BETWEEN :n5 AND :n3',
              'pk = :a AND sk BETWEEN :n3 AND :n3', 'pk = :a AND :n3 < sk', 'pk = :a AND :n3 >= sk',
              ':a = pk', ':a = pk AND :n3 = sk', 'sk = :n3 AND pk = :a', '(pk = :a) AND (sk = :n3)',
              '(pk = :a AND sk = :n3)', 'pk = :a AND (sk > :n3)', 'sk = :n3', 'pk = :n1',
              'pk = :a AND sk = :a', 'pk = :a OR sk = :n3', 'NOT pk = :a', 'pk <> :a',
              'pk = :a AND sk <> :n3', 'pk IN (:a)', 'pk = :a AND sk IN (:n3)',
              'pk = :a AND x = :n3', 'x = :a', 'pk = :a AND pk = :a',
              'pk = :a AND sk = :n3 AND sk = :n5', 'pk = :a AND x = :n3 AND y = :n3', 'pk < :a',
              'pk = :a AND begins_with(sk, :a)', 'pk = :a AND begins_with(sk, :n1)',
              'pk = pk', 'pk = sk', 'pk = :a AND sk = sk', 'pk.x = :a', 'pk = :a AND sk.x = :n3',
              'pk = :a AND sk[0] = :n3', 'pk = :a AND size(sk) = :n3',
              'pk = :a AND attribute_exists(sk)', 'pk = :a AND attribute_not_exists(sk)',
              'pk = :a AND contains(sk, :n3)', 'attribute_exists(pk)',
              'pk = :a AND begins_with(:a, sk)', ':a = :a', 'pk = :a AND :n1 = :n1',
              'pk = :a AND :n1 BETWEEN sk AND :n3', 'pk = :a AND sk BETWEEN :n1 AND :a',
              'pk = :a AND sk BETWEEN sk AND :n3', 'begins_with(pk, :a)', 'pk BETWEEN :a AND :b',
              'pk = :a AND NOT sk = :n1', 'pk = :a OR pk = :b', '#p = :a', '#p = :a AND #s > :n3',
              'pk = :a AND #s = :n3', 'pk = :nope', 'pk = :a AND sk = :nope', 'pk x', 'pk = :a AND',
              '', 'date = :a', 'pk = :a AND foo(sk)', 'pk = :a AND size(sk)',
              'pk = :a AND sk BETWEEN :n1 AND :n3 AND sk > :n1', 'pk = :bin'):
        add(e, names={'#p': 'pk', '#s': 'sk'})
    KV.update({':es': S(''), ':eb': B(b''), ':nn': N('1')})
    for e in ('pk = :es', 'pk = :a AND sk = :es', 'pk = :a AND begins_with(sk, :es)',
              'pk = :a AND sk > :es', 'pk = :a AND sk BETWEEN :es AND :sz', 'pk = :es AND sk = :es',
              'pk = :es AND sk = :nn', 'pk = :nn AND sk = :es', 'sk = :es AND pk = :es',
              'pk = :es AND x = :a', 'pk < :es', 'pk < :nn', 'x = :a AND sk = :es',
              'pk = :a AND x = :es', 'pk = :nn AND x = :a', 'pk = :es AND sk < :nn',
              'pk = :eb', 'pk = :a AND sk BETWEEN :es AND :nn'):
        add(e, schema=SS)
    for e in ('pk = :a AND begins_with(sk, :a)', 'pk = :a AND begins_with(sk, :sab)',
              'pk = :b AND begins_with(sk, :sz)', 'pk = :a AND begins_with(sk, :e)',
              'pk = :a AND begins_with(sk, :x)', 'pk = :a AND sk > :sab', 'pk = :a AND sk < :sb',
              'pk = :a AND sk BETWEEN :sab AND :sz', 'pk = :a AND sk = :n1',
              'pk = :a AND begins_with(sk, :bin)', 'pk = :a AND sk >= :e',
              'pk = :a AND sk BETWEEN :sz AND :sab'):
        add(e, schema=SS)
    return cs


def legacy_cases():
    cs = []
    it = {'s': S('abc'), 'n': N('5'), 'ss': {'SS': ['a', 'b']}, 'l': L(S('a')), 'm': M(),
          'b': B(b'abc')}

    def ac(name, expected, op=None, item=it):
        cs.append({'kind': 'legacy_cond', 'name': 'Expected ' + name, 'expected': expected,
                   'op': op, 'item': item})

    def cv(attr, op, *vals):
        d = {'ComparisonOperator': op}
        if vals != (None,):
            d['AttributeValueList'] = list(vals)
        return {attr: d}

    for attr, op, vals in (
            ('s', 'EQ', [S('abc')]), ('s', 'EQ', [S('x')]), ('x', 'EQ', [S('x')]),
            ('s', 'NE', [S('abc')]), ('x', 'NE', [S('a')]), ('s', 'NE', [N('1')]),
            ('n', 'LT', [N('6')]), ('n', 'LE', [N('5')]), ('n', 'GT', [N('5')]),
            ('n', 'GE', [N('5')]), ('s', 'LT', [N('6')]), ('x', 'LT', [N('6')]),
            ('s', 'NOT_NULL', []), ('x', 'NOT_NULL', []), ('s', 'NULL', []), ('x', 'NULL', []),
            ('s', 'CONTAINS', [S('b')]), ('ss', 'CONTAINS', [S('a')]), ('l', 'CONTAINS', [S('a')]),
            ('b', 'CONTAINS', [B(b'b')]), ('x', 'CONTAINS', [S('a')]),
            ('s', 'NOT_CONTAINS', [S('b')]), ('s', 'NOT_CONTAINS', [S('q')]),
            ('x', 'NOT_CONTAINS', [S('a')]), ('ss', 'NOT_CONTAINS', [N('1')]),
            ('s', 'BEGINS_WITH', [S('ab')]), ('s', 'BEGINS_WITH', [S('b')]),
            ('b', 'BEGINS_WITH', [B(b'ab')]), ('s', 'IN', [S('x'), S('abc')]),
            ('s', 'IN', [S('x')]), ('n', 'BETWEEN', [N('1'), N('5')]),
            ('n', 'BETWEEN', [N('6'), N('9')]), ('m', 'EQ', [M()]), ('s', 'EQ', [M()]),
            ('s', 'CONTAINS', [{'BOOL': True}]),
            # errors
            ('s', 'EQ', []), ('s', 'EQ', [S('a'), S('b')]), ('s', 'NULL', [S('a')]),
            ('s', 'BETWEEN', [N('1')]), ('s', 'IN', []), ('s', 'CONTAINS', [M()]),
            ('s', 'CONTAINS', [L()]), ('s', 'CONTAINS', [{'SS': ['a']}]),
            ('s', 'LT', [{'SS': ['a']}]), ('s', 'GE', [{'BOOL': True}]),
            ('s', 'BEGINS_WITH', [N('1')]), ('s', 'IN', [S('abc'), N('1')]),
            ('s', 'IN', [M()]), ('s', 'IN', [{'BOOL': True}]), ('s', 'BETWEEN', [S('b'), S('a')]),
            ('s', 'BETWEEN', [S('a'), N('1')]), ('s', 'BETWEEN', [{'NULL': True}, {'NULL': True}])):
        ac('%s %s %s' % (attr, op, json.dumps(to_json(vals))), cv(attr, op, *vals))
    ac('two AND true', {'s': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S('abc')]},
                        'n': {'ComparisonOperator': 'EQ', 'AttributeValueList': [N('5')]}}, 'AND')
    ac('two AND false', {'s': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S('x')]},
                         'n': {'ComparisonOperator': 'EQ', 'AttributeValueList': [N('5')]}}, 'AND')
    ac('two OR', {'s': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S('x')]},
                  'n': {'ComparisonOperator': 'EQ', 'AttributeValueList': [N('5')]}}, 'OR')
    ac('two default', {'s': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S('x')]},
                       'n': {'ComparisonOperator': 'EQ', 'AttributeValueList': [N('5')]}})
    ac('Exists false present', {'s': {'Exists': False}})
    ac('Exists false absent', {'x': {'Exists': False}})
    ac('Value', {'s': {'Value': S('abc')}})
    ac('Value mismatch', {'s': {'Value': S('x')}})
    ac('Value Exists true', {'s': {'Value': S('abc'), 'Exists': True}})
    ac('Value on missing item', {'s': {'Value': S('abc')}}, item=None)
    ac('Exists false on missing item', {'s': {'Exists': False}}, item=None)

    def au(name, updates, item=it):
        cs.append({'kind': 'legacy_update', 'name': 'AttributeUpdates ' + name,
                   'updates': updates, 'item': item})

    for name, upd in (
            ('PUT', {'s': {'Action': 'PUT', 'Value': S('q')}}),
            ('PUT new', {'x': {'Action': 'PUT', 'Value': M(a=N('1'))}}),
            ('ADD list', {'l': {'Action': 'ADD', 'Value': L(S('b'))}}),
            ('ADD list new', {'x': {'Action': 'ADD', 'Value': L(S('b'))}}),
            ('ADD string', {'s': {'Action': 'ADD', 'Value': S('b')}}),
            ('ADD number', {'n': {'Action': 'ADD', 'Value': N('2.5')}}),
            ('ADD number new', {'x': {'Action': 'ADD', 'Value': N('-2')}}),
            ('ADD number to string', {'s': {'Action': 'ADD', 'Value': N('2')}}),
            ('ADD set', {'ss': {'Action': 'ADD', 'Value': {'SS': ['c', 'a']}}}),
            ('ADD set mismatch', {'ss': {'Action': 'ADD', 'Value': {'NS': ['1']}}}),
            ('ADD map', {'m': {'Action': 'ADD', 'Value': M()}}),
            ('ADD bool', {'x': {'Action': 'ADD', 'Value': {'BOOL': True}}}),
            ('ADD no value', {'x': {'Action': 'ADD'}}),
            ('DELETE set', {'ss': {'Action': 'DELETE', 'Value': {'SS': ['a']}}}),
            ('DELETE set all', {'ss': {'Action': 'DELETE', 'Value': {'SS': ['a', 'b']}}}),
            ('DELETE attr', {'ss': {'Action': 'DELETE'}}),
            ('DELETE missing attr', {'x': {'Action': 'DELETE'}}),
            ('DELETE string', {'s': {'Action': 'DELETE', 'Value': S('abc')}}),
            ('DELETE set from string', {'s': {'Action': 'DELETE', 'Value': {'SS': ['a']}}}),
            ('DELETE set from missing', {'x': {'Action': 'DELETE', 'Value': {'SS': ['a']}}}),
            ('DELETE number', {'x': {'Action': 'DELETE', 'Value': N('1')}}),
            ('PUT no value', {'s': {'Action': 'PUT'}}),
            ('PUT key', {'pk': {'Action': 'PUT', 'Value': S('q')}}),
            ('DELETE key', {'pk': {'Action': 'DELETE'}}),
            ('several', {'s': {'Action': 'PUT', 'Value': S('q')}, 'n': {'Action': 'ADD', 'Value': N('1')},
                         'ss': {'Action': 'DELETE'}})):
        au(name, upd)
    au('ADD on missing item', {'n': {'Action': 'ADD', 'Value': N('1')}}, item=None)

    def kc(name, conds, schema):
        cs.append({'kind': 'legacy_keycond', 'name': 'KeyConditions ' + name,
                   'conditions': conds, 'schema': schema, 'item': None})

    SN = {'hash': 'pk', 'hash_type': 'S', 'range': 'sk', 'range_type': 'N'}
    SSc = {'hash': 'pk', 'hash_type': 'S', 'range': 'sk', 'range_type': 'S'}
    eq = lambda v: {'ComparisonOperator': 'EQ', 'AttributeValueList': [v]}
    kc('hash only', {'pk': eq(S('a'))}, SN)
    kc('hash and EQ', {'pk': eq(S('a')), 'sk': eq(N('3'))}, SN)
    kc('LT', {'pk': eq(S('a')), 'sk': {'ComparisonOperator': 'LT', 'AttributeValueList': [N('3')]}}, SN)
    kc('GE', {'pk': eq(S('b')), 'sk': {'ComparisonOperator': 'GE', 'AttributeValueList': [N('9')]}}, SN)
    kc('BETWEEN', {'pk': eq(S('a')), 'sk': {'ComparisonOperator': 'BETWEEN',
                                             'AttributeValueList': [N('2'), N('4')]}}, SN)
    kc('BEGINS_WITH', {'pk': eq(S('a')), 'sk': {'ComparisonOperator': 'BEGINS_WITH',
                                                 'AttributeValueList': [S('a')]}}, SSc)
    kc('no hash', {'sk': eq(N('3'))}, SN)
    kc('hash not EQ', {'pk': {'ComparisonOperator': 'GT', 'AttributeValueList': [S('a')]}}, SN)
    kc('type mismatch', {'pk': eq(N('1'))}, SN)
    kc('non-key', {'pk': eq(S('a')), 'x': eq(N('3'))}, SN)
    return cs


def from_json(v):
    """DynamoDB JSON with base64 -> boto3 value (bytes for B)."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == 'B' and isinstance(x, str):
                out[k] = base64.b64decode(x)
            elif k == 'BS' and isinstance(x, list):
                out[k] = [base64.b64decode(b) for b in x]
            else:
                out[k] = from_json(x)
        return out
    if isinstance(v, list):
        return [from_json(x) for x in v]
    return v


def normalize(v):
    """Sets as sorted lists, numbers by value: what DynamoDB guarantees (DynamoDB Local keeps
    set order and number scale as given, e.g. "2.50")."""
    from decimal import Decimal
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == 'N' and isinstance(x, str):
                out[k] = str(Decimal(x).normalize()) if Decimal(x) != 0 else '0'
            elif k == 'NS' and isinstance(x, list):
                out[k] = sorted(str(Decimal(n).normalize()) if Decimal(n) != 0 else '0'
                                for n in x)
            elif k in ('SS', 'BS') and isinstance(x, list):
                out[k] = sorted(x)
            else:
                out[k] = normalize(x)
        return out
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def check():
    """Replays the recorded corpus against the endpoint (e.g. ddbchat) and reports the
    cases whose answer differs from what DynamoDB Local answered."""
    setup()
    bad = total = 0
    for g in ('condition', 'reserved', 'random', 'update', 'projection', 'keycond', 'legacy'):
        with open(os.path.join(OUT, g + '.json')) as f:
            cases = json.load(f)
        for rec in cases:
            cs = dict(rec)
            for k in ('item', 'values', 'expected', 'updates', 'conditions'):
                if cs.get(k) is not None:
                    cs[k] = {n: from_json(v) for n, v in cs[k].items()}
            got = RUN[cs['kind']](cs)
            total += 1
            if normalize(got) != normalize(rec['result']):
                bad += 1
                print('DIFF [%s] %s\n  want %s\n  got  %s' % (
                    cs['kind'], cs['name'][:200], json.dumps(rec['result'])[:400],
                    json.dumps(got)[:400]))
    print('%d of %d cases differ' % (bad, total))
    return 1 if bad else 0


def main():
    if '--check' in sys.argv:
        sys.exit(check())
    setup()
    groups = {'condition': cond_cases(), 'reserved': reserved_cases(), 'random': random_cases(),
              'update': update_cases(),
              'projection': projection_cases(), 'keycond': keycond_cases(),
              'legacy': legacy_cases()}
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for g, cases in groups.items():
        out = []
        for cs in cases:
            res = RUN[cs['kind']](cs)
            rec = dict(cs)
            for k in ('item',):
                rec[k] = item_json(cs.get(k))
            if 'values' in rec:
                rec['values'] = vals_json(cs.get('values'))
            if 'expected' in rec:
                rec['expected'] = {k: to_json(v) for k, v in cs['expected'].items()}
            if 'updates' in rec:
                rec['updates'] = {k: to_json(v) for k, v in cs['updates'].items()}
            if 'conditions' in rec:
                rec['conditions'] = {k: to_json(v) for k, v in cs['conditions'].items()}
            rec['result'] = res
            out.append(rec)
        with open(os.path.join(OUT, g + '.json'), 'w') as f:
            # one case per line: small diffs when a case changes
            f.write('[\n' + ',\n'.join(json.dumps(x, ensure_ascii=False, sort_keys=True)
                                        for x in out) + '\n]\n')
        total += len(out)
        print('%s: %d cases' % (g, len(out)))
    print('total: %d' % total)


if __name__ == '__main__':
    main()
