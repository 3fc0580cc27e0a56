-- wrk.lua — the request generator for bench/peers/run.py (Debian's wrk, LuaJIT).
--   wrk -t T -c C -d D -s wrk.lua URL -- MODE FILE RUN NTHREADS [BASE_US]
-- MODE
--   lines   cycle through FILE's requests: "METHOD\tPATH\tX-Amz-Target\tAuthorization\tBODY"
--           per line (empty fields are left out); each thread starts at its own offset
--   put     PutItem of a new message row (unique key per request); FILE is the table name
--   batch   BatchWriteItem of 25 new message rows; FILE is the table name
--   twi     the messaging write C+D as one TransactWriteItems: FILE lists conversations
--           ("table\tgroup\tpair_pk\tprev\ta_uuid\ta_name\ta_handle\tb_uuid\tb_name\tb_handle");
--           thread t owns lines t, t+NTHREADS, ...; it must have ONE connection, so that a
--           conversation's previous time (the condition) is known: it moves only on a 200.
--           New times are BASE_US + (count * NTHREADS + t) microseconds: unique across the run.
--   post    REST POST /api/messages into a conversation; FILE lines: "token\tgroup"
-- done() prints one line "RESULT {json}" with requests, duration, p50/p99 (µs) and errors.
local threads = {}
local nsetup = 0

function setup(thread)
  thread:set("tid", nsetup)
  nsetup = nsetup + 1
  table.insert(threads, thread)
end

local mode, tid, run, nthreads, count
local reqs, nreq, pos = {}, 0, 0
local convs, pending = {}, nil
local base_us, tablename
local ddb_auth = "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, " ..
                 "SignedHeaders=host, Signature=0"
local ddb_ct = "application/x-amz-json-1.0"
local ddb_date = "20260101T000000Z" -- dynalite wants X-Amz-Date (or Date) with Authorization
apperr = 0 -- read back in done() through thread:get

local function split(line)
  local f = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
  return f
end

local function ddb(op, body)
  return wrk.format("POST", "/", {["Content-Type"] = ddb_ct, ["X-Amz-Target"] =
    "DynamoDB_20120810." .. op, ["Authorization"] = ddb_auth, ["X-Amz-Date"] = ddb_date}, body)
end

local function ts(us)
  local s = math.floor(us / 1000000)
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. string.format(".%06dZ", us - s * 1000000)
end

function init(args)
  mode, run, nthreads = args[1], args[3], tonumber(args[4])
  tid = tonumber(wrk.thread:get("tid"))
  count = 0
  if mode == "lines" or mode == "post" or mode == "twi" then
    local i = 0
    for line in io.lines(args[2]) do
      local f = split(line)
      if mode == "lines" then
        local h = {}
        if f[3] ~= "" then
          h["Content-Type"] = ddb_ct; h["X-Amz-Target"] = f[3]; h["X-Amz-Date"] = ddb_date
        end
        if f[4] ~= "" then h["Authorization"] = f[4] end
        reqs[#reqs + 1] = wrk.format(f[1], f[2], h, f[5] ~= "" and f[5] or nil)
      elseif mode == "post" then
        reqs[#reqs + 1] = f
      elseif i % nthreads == tid then
        convs[#convs + 1] = f
      end
      i = i + 1
    end
    nreq = #reqs
    pos = (tid * 7919) % math.max(nreq, 1)
  else
    tablename = args[2]
  end
  base_us = tonumber(args[5] or "0")
end

local function msgrow(pk, sk, n)
  return string.format('{"pk":{"S":"%s"},"sk":{"S":"%s"},"message_uuid":{"S":"%s-%d"},' ..
    '"message":{"S":"Benchmark message %d from a wrk thread, about as long as a chat line."},' ..
    '"user_uuid":{"S":"00000000-0000-4000-8000-%012d"},"user_display_name":{"S":"User %d"},' ..
    '"user_handle":{"S":"user%d"}}', pk, sk, run, n, n, tid, tid + 1, tid + 1)
end

local function twi_body(c, t)
  local tbl, g, pair, prev = c[1], c[2], c[3], c[4]
  local a = (count % 2 == 0)
  local me_u, me_n, me_h = c[5], c[6], c[7]
  local ot_u, ot_n, ot_h = c[8], c[9], c[10]
  if not a then me_u, me_n, me_h, ot_u, ot_n, ot_h = ot_u, ot_n, ot_h, me_u, me_n, me_h end
  local text = string.format("Benchmark message %d in this conversation", count)
  local function conv(owner, ou, on, oh)
    return string.format('{"Put":{"TableName":"%s","Item":{"pk":{"S":"GRP#%s"},"sk":{"S":"%s"},' ..
      '"message_group_uuid":{"S":"%s"},"user_uuid":{"S":"%s"},"user_display_name":{"S":"%s"},' ..
      '"user_handle":{"S":"%s"},"message":{"S":"%s"}},' ..
      '"ConditionExpression":"attribute_not_exists(pk)"}}', tbl, owner, t, g, ou, on, oh, text)
  end
  local function del(owner)
    return string.format('{"Delete":{"TableName":"%s","Key":{"pk":{"S":"GRP#%s"},"sk":{"S":"%s"}},' ..
      '"ConditionExpression":"message_group_uuid = :g",' ..
      '"ExpressionAttributeValues":{":g":{"S":"%s"}}}}', tbl, owner, prev, g)
  end
  return string.format('{"TransactItems":[' ..
    '{"Put":{"TableName":"%s","Item":{"pk":{"S":"MSG#%s"},"sk":{"S":"%s"},' ..
    '"message_uuid":{"S":"%s-%d-%d"},"message":{"S":"%s"},"user_uuid":{"S":"%s"},' ..
    '"user_display_name":{"S":"%s"},"user_handle":{"S":"%s"}},' ..
    '"ConditionExpression":"attribute_not_exists(pk)"}},' ..
    '{"Update":{"TableName":"%s","Key":{"pk":{"S":"%s"},"sk":{"S":"PAIR"}},' ..
    '"UpdateExpression":"SET last_message_at = :ts","ConditionExpression":"last_message_at = :prev",' ..
    '"ExpressionAttributeValues":{":ts":{"S":"%s"},":prev":{"S":"%s"}}}},%s,%s,%s,%s],' ..
    '"ClientRequestToken":"%s-%d-%d"}',
    tbl, g, t, run, tid, count, text, me_u, me_n, me_h,
    tbl, pair, t, prev, del(me_u), del(ot_u), conv(me_u, ot_u, ot_n, ot_h),
    conv(ot_u, me_u, me_n, me_h), run, tid, count)
end

function request()
  count = count + 1
  if mode == "lines" then
    pos = pos + 1
    if pos > nreq then pos = 1 end
    return reqs[pos]
  elseif mode == "put" then
    local pk = string.format("MSG#bench-%s-%d", run, tid)
    return ddb("PutItem", string.format('{"TableName":"%s","Item":%s}', tablename,
      msgrow(pk, string.format("%012d", count), count)))
  elseif mode == "batch" then
    local pk = string.format("MSG#batch-%s-%d-%d", run, tid, count)
    local rows = {}
    for i = 1, 25 do
      rows[i] = '{"PutRequest":{"Item":' .. msgrow(pk, string.format("%04d", i), i) .. '}}'
    end
    return ddb("BatchWriteItem", string.format('{"RequestItems":{"%s":[%s]}}', tablename,
      table.concat(rows, ",")))
  elseif mode == "twi" then
    local c = convs[(count % #convs) + 1]
    local t = ts(base_us + count * nthreads + tid)
    pending = {c, t}
    return ddb("TransactWriteItems", twi_body(c, t))
  else -- post
    pos = pos + 1
    if pos > nreq then pos = 1 end
    local f = reqs[pos]
    return wrk.format("POST", "/api/messages", {["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. f[1]}, string.format(
      '{"message":"Benchmark message %d through the REST API","message_group_uuid":"%s"}',
      count, f[2]))
  end
end

-- response() only for the writes (wrk then reads every body; the runner sets
-- BENCH_WANT_RESPONSE=1): twi must know each outcome; the first error answer is printed.
firsterr = ""
if os.getenv("BENCH_WANT_RESPONSE") == "1" then
  function response(status, headers, body)
    if pending then
      if status == 200 then pending[1][4] = pending[2] else apperr = apperr + 1 end
      pending = nil
    end
    if status ~= 200 and firsterr == "" then
      firsterr = status .. " " .. (body or ""):sub(1, 300):gsub("[\r\n]", " ")
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local app, first = 0, ""
  for _, t in ipairs(threads) do
    app = app + (tonumber(t:get("apperr")) or 0)
    if first == "" then first = t:get("firsterr") or "" end
  end
  if first ~= "" then io.write("FIRSTERR " .. first .. "\n") end
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"apperr":%d}\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean, e.connect, e.read,
    e.write, e.status, e.timeout, app))
end
