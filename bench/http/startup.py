# startup.py — ddbchat start-up time and idle RSS.
#   /usr/bin/python3 bench/http/startup.py BUILD/ddbchat N
# Starts `ddbchat serve --dynamodb-only --quiet --dynamodb-port 0` N times on a fresh empty data
# dir and times exec -> URL printed -> first ListTables answered; for the last start, VmRSS when
# idle and after 10k GetItem on one keep-alive connection (from /proc/PID/status).
import subprocess, sys, time, re, http.client, json, tempfile, shutil, statistics, os
bin_, n = sys.argv[1], int(sys.argv[2])
H = {'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.ListTables',
     'Authorization': 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0'}
def rss(pid):
    for l in open('/proc/%d/status' % pid):
        if l.startswith('VmRSS'): return int(l.split()[1])
def start():
    d = tempfile.mkdtemp(prefix='ddbchat-startup-')
    t0 = time.perf_counter()
    p = subprocess.Popen([bin_, 'serve', '--dynamodb-only', '--quiet', '--dynamodb-port', '0', '--data-dir', d + '/data'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    while port is None:
        m = re.search(r'http://127\.0\.0\.1:(\d+)', p.stdout.readline())
        if m: port = int(m.group(1))
    t_url = time.perf_counter()
    c = http.client.HTTPConnection('127.0.0.1', port)
    c.request('POST', '/', '{}', H); r = c.getresponse(); r.read(); assert r.status == 200
    t_req = time.perf_counter()
    return p, d, c, (t_url - t0) * 1e3, (t_req - t0) * 1e3
urls, reqs = [], []
for i in range(n):
    p, d, c, a, b = start(); urls.append(a); reqs.append(b)
    if i == n - 1:
        time.sleep(0.5); idle = rss(p.pid)
        h = dict(H); h['X-Amz-Target'] = 'DynamoDB_20120810.CreateTable'
        c.request('POST', '/', json.dumps({'TableName': 'bench', 'AttributeDefinitions': [{'AttributeName': 'pk', 'AttributeType': 'S'}], 'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'}], 'BillingMode': 'PAY_PER_REQUEST'}), h); c.getresponse().read()
        h['X-Amz-Target'] = 'DynamoDB_20120810.PutItem'
        for k in range(100):
            c.request('POST', '/', json.dumps({'TableName': 'bench', 'Item': {'pk': {'S': 'k%d' % k}, 'v': {'S': 'x' * 100}}}), h); c.getresponse().read()
        h['X-Amz-Target'] = 'DynamoDB_20120810.GetItem'
        for k in range(10000):
            c.request('POST', '/', json.dumps({'TableName': 'bench', 'Key': {'pk': {'S': 'k%d' % (k % 100)}}}), h); r = c.getresponse(); r.read(); assert r.status == 200
        busy = rss(p.pid)
    p.terminate(); p.wait(); shutil.rmtree(d)
print('start->URL printed ms: median %.1f min %.1f max %.1f' % (statistics.median(urls), min(urls), max(urls)))
print('start->first ListTables answered ms: median %.1f min %.1f max %.1f (n=%d)' % (statistics.median(reqs), min(reqs), max(reqs), n))
print('VmRSS idle (empty data dir) %d kB, after 10k GetItem %d kB' % (idle, busy))
