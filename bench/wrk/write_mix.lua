-- Workload 5, the write mix: POST a new artist to the collection URL wrk was given, then PATCH
-- that row, then DELETE it, so every row written is also changed and removed.
--
-- wrk calls request() and response() per thread but does not say which of the thread's
-- connections a response came from. So the next step of each row waits in a per-thread queue,
-- and the response itself tells which step it answered: 201 with a row is a create (PATCH it
-- next), 200 with a row is an update (DELETE it next), 204 is a delete. A connection with
-- nothing queued starts a new row, which keeps the mix at about one POST, one PATCH and one
-- DELETE.

local queue = {}
local created = 0

-- wrk.format() uses wrk.headers only when given no headers; copy them (the runner's
-- `Connection: close` and, for Depot with auth, the key) and add the JSON body type.
local function with_json()
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  return headers
end

local function artist_id(body)
  return body and body:match('"ArtistId"%s*:%s*(%d+)')
end

request = function()
  local step = table.remove(queue, 1)
  if step and step.method == "PATCH" then
    return wrk.format("PATCH", wrk.path .. step.id, with_json(), '{"Name": "renamed by the benchmark"}')
  elseif step then
    return wrk.format("DELETE", wrk.path .. step.id, with_json(), nil)
  end
  created = created + 1
  return wrk.format("POST", wrk.path, with_json(), '{"Name": "benchmark artist ' .. created .. '"}')
end

response = function(status, headers, body)
  local id = artist_id(body)
  if status == 201 and id then
    queue[#queue + 1] = { method = "PATCH", id = id }
  elseif status == 200 and id then
    queue[#queue + 1] = { method = "DELETE", id = id }
  end
end
