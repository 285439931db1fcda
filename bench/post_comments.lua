-- wrk script: each wrk thread (one connection) is one reader posting distinct
-- comments, taking turns among ACCOUNTS_PER_READER signed-in accounts of its own.
-- Reads credentials from the file named in the CREDENTIALS environment variable:
-- one "sessionid csrftoken" line per account.
local readers = {}
for line in io.lines(os.getenv("CREDENTIALS")) do
  local session, csrf = line:match("(%S+) (%S+)")
  table.insert(readers, {session = session, csrf = csrf})
end

local next_id = 0
local threads = {}

function setup(thread)
  next_id = next_id + 1
  thread:set("reader_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  per_reader = tonumber(os.getenv("ACCOUNTS_PER_READER") or "1")
  accounts = {}
  for n = 1, per_reader do
    table.insert(accounts, readers[(reader_id - 1) * per_reader + n])
  end
  sent = 0
  statuses = {}
  path = os.getenv("POST_PATH")
  think_ms = tonumber(os.getenv("THINK_MS") or "0")
  htmx = (os.getenv("HTMX") or "") ~= ""
end

-- A reader pauses between posts (0: post again as soon as the answer arrives).
function delay()
  return think_ms
end

function request()
  sent = sent + 1
  local reader = accounts[(sent - 1) % per_reader + 1]
  local body = "csrfmiddlewaretoken=" .. reader.csrf ..
    "&body=Bench+comment+" .. os.getenv("RUN_ID") .. "-" .. reader_id .. "-" .. sent ..
    "+on+the+talks." ..
    "&website="
  local headers = {
    ["Cookie"] = "sessionid=" .. reader.session .. "; csrftoken=" .. reader.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = os.getenv("BASE_URL") .. "/",
  }
  if htmx then
    headers["HX-Request"] = "true"
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for status, n in pairs(s) do counts[status] = (counts[status] or 0) + n end
  end
  for status, n in pairs(counts) do
    io.write(string.format("STATUS %d %d\n", status, n))
  end
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("LATENCY_P%d_US %d\n", p, latency:percentile(p)))
  end
end
