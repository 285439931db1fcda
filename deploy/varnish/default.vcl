vcl 4.1;
# Broadsheet's shared cache: Varnish 7 with varnish-modules' xkey (Debian:
# `apt-get install varnish varnish-modules`). See docs/deployment.md.
#
# - Anonymous GETs are cached for as long as the app says (s-maxage: a day with
#   EDGE_PURGER=varnish) and dropped the moment the app purges one of their tags:
#   the app's Surrogate-Key header is copied into xkey's `xkey` header.
# - Requests with a session or messages cookie, and everything but GET and HEAD,
#   go to the app untouched (pass).
# - Tracking parameters are dropped and the rest sorted, as the app does, so a viral
#   link's fbclid=… per click does not split the cache.
# - Accept-Encoding is reduced to br, gzip or nothing: one stored copy each.
# - PURGE with an `xkey-purge: tag tag…` header is honoured from `purgers` only.
# - When the app fails (down, 5xx), a page the cache holds is served stale, for up
#   to a day past its lifetime (grace).
# - Every answer says X-Cache: HIT or MISS.

import std;
import xkey;

# The app (gunicorn). Edit the address for your host (compose: web:8000).
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# Who may purge: the app's web and worker hosts. Add their addresses here.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is not allowed from " + client.ip));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the tags to purge in an xkey-purge header"));
        }
        set req.http.purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # A reader with a session (or a message waiting) gets their own page.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Any other cookie (csrftoken, analytics) changes nothing on a reading page.
    unset req.http.Cookie;

    # Drop the parameters that only say where a reader came from (the app's
    # articles.page_cache.TRACKING_PARAMETER), then sort the rest.
    if (req.url ~ "\?") {
        set req.url = regsuball(req.url,
            "([?&])(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl|ref|ref_src)=[^&]*",
            "\1");
        set req.url = regsuball(req.url, "&&+", "&");
        set req.url = regsub(req.url, "\?&", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }

    # One copy per encoding the app stores: brotli, gzip, or none. Varnish itself
    # reduces Accept-Encoding to gzip (or nothing) after this; brotli is kept apart
    # in the hash and asked of the app in vcl_backend_fetch.
    if (req.http.Accept-Encoding ~ "(^|,)\s*br\s*(,|$)") {
        set req.http.X-Brotli = "1";
    } else {
        unset req.http.X-Brotli;
    }
    return (hash);
}

sub vcl_hash {
    if (req.http.X-Brotli) {
        hash_data("br");
    }
}

sub vcl_backend_fetch {
    if (bereq.http.X-Brotli) {
        set bereq.http.Accept-Encoding = "br";
    }
    unset bereq.http.X-Brotli;
}

sub vcl_backend_response {
    # The app is failing: keep serving what we hold rather than its error.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    if (beresp.http.Surrogate-Key && beresp.ttl <= 0s) {
        # The app rendered this page while what it shows changed (s-maxage=0):
        # pass it on, and ask again in a second (not the built-in two minutes).
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
        # stale-if-error: how long past its lifetime a page may stand in for the
        # app when it fails. (A purge removes pages outright: never served stale.)
        set beresp.grace = 24h;
    } elsif (!beresp.http.Cache-Control) {
        # The app says nothing (errors, forms): do not keep it.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The tags are between the app and this cache.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
}
