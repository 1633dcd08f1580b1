-- wrk workload for minikv's REST API and etcd's v3 JSON gateway.
-- Environment: TARGET=minikv|etcd, MODE=put|get|mix, KEYS (default 100000).
-- Prints one JSON line with ops/s, p50/p99 latency (ms) and error counts when done.
local target = os.getenv("TARGET") or "minikv"
local mode = os.getenv("MODE") or "get"
local nkeys = tonumber(os.getenv("KEYS") or "100000")
local value = string.rep("x", 100)

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(data)
  return ((data:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end
local value64 = b64(value)

local function key(i) return string.format("bench/%07d", i) end

local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
end

local function put(k)
  if target == "etcd" then
    return wrk.format("POST", "/v3/kv/put", {["Content-Type"] = "application/json"},
      '{"key":"' .. b64(k) .. '","value":"' .. value64 .. '"}')
  end
  return wrk.format("PUT", "/kv/" .. k, {["Content-Type"] = "application/octet-stream"}, value)
end

local function get(k)
  if target == "etcd" then
    return wrk.format("POST", "/v3/kv/range", {["Content-Type"] = "application/json"},
      '{"key":"' .. b64(k) .. '"}')
  end
  return wrk.format("GET", "/kv/" .. k)
end

function request()
  local k = key(math.random(0, nkeys - 1))
  if mode == "put" or (mode == "mix" and math.random() < 0.1) then
    return put(k)
  end
  return get(k)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"target":"%s","mode":"%s","requests":%d,"ops_per_sec":%.0f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
    target, mode, summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
