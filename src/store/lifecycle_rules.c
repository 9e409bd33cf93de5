/* Lifecycle rules: the LifecycleConfiguration XML of
 * PutBucketLifecycleConfiguration checked element by element into the JSON
 * kept with the bucket, and rendered back for GetBucketLifecycleConfiguration.
 * Anything we do not implement is refused by name (NotImplemented) rather
 * than ignored, so a rule is never stored with half its meaning. The JSON:
 *   {"rules":[{"id":"..","enabled":true,"filter":"filter|prefix|none",
 *              "prefix":"..","days":N,"date":"ISO","date_s":S,"marker":true,
 *              "noncurrent_days":N,"abort_days":N}, ...]}
 * (absent members: not set). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "core/xml.h"
#include "store/lifecycle.h"

#define MAX_RULES 1000
#define MAX_DAYS 2147483647

typedef struct pctx {
    const char **code;
    char *msg;
    size_t cap;
} pctx_t;

static int fail(pctx_t *p, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(pctx_t *p, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, p->cap, fmt, ap);
    va_end(ap);
    *p->code = code;
    return -1;
}

/* The element's text without surrounding white space. */
static lh_str_t text_of(const lh_xml_node_t *n)
{
    const char *t = n->text;
    size_t len = n->text_len;
    while (len && strchr(" \t\r\n", *t))
        t++, len--;
    while (len && strchr(" \t\r\n", t[len - 1]))
        len--;
    return (lh_str_t){t, len};
}

static int text_is(const lh_xml_node_t *n, const char *want)
{
    return lh_str_eq(text_of(n), want);
}

/* A positive whole number of days into rule[member]. */
static int days(pctx_t *p, const lh_xml_node_t *n, json_t *rule, const char *member)
{
    lh_str_t t = text_of(n);
    char buf[24];
    int64_t v;
    if (t.len == 0 || t.len >= sizeof buf)
        return fail(p, "MalformedXML", "%s must be a positive integer", n->name);
    snprintf(buf, sizeof buf, "%.*s", (int)t.len, t.ptr);
    if (lh_parse_i64(buf, &v) != 0 || v <= 0 || v > MAX_DAYS)
        return fail(p, "InvalidArgument", "'%s' must be a positive integer", n->name);
    json_object_set_new(rule, member, json_integer(v));
    return 0;
}

static int not_supported(pctx_t *p, const char *what)
{
    return fail(p, "NotImplemented", "lifecycle %s are not supported", what);
}

/* <Filter>: empty, or one <Prefix>. */
static int parse_filter(pctx_t *p, const lh_xml_node_t *f, json_t *rule)
{
    json_object_set_new(rule, "filter", json_string("filter"));
    for (const lh_xml_node_t *c = f->child; c; c = c->next) {
        if (!strcmp(c->name, "Prefix") && !json_object_get(rule, "prefix")) {
            lh_str_t t = {c->text, c->text_len}; /* a prefix keeps its spaces */
            json_object_set_new(rule, "prefix", json_stringn(t.ptr, t.len));
        } else if (!strcmp(c->name, "Tag") || !strcmp(c->name, "And")) {
            return not_supported(p, "filters on tags (Tag, And)");
        } else if (!strncmp(c->name, "ObjectSize", 10)) {
            return not_supported(p, "filters on object size");
        } else {
            return fail(p, "MalformedXML", "unexpected <%s> in <Filter>", c->name);
        }
    }
    return 0;
}

static int parse_date(pctx_t *p, const lh_xml_node_t *n, json_t *rule)
{
    int64_t t;
    lh_str_t s = text_of(n);
    if (lh_time_iso8601_parse(s, &t) != 0)
        return fail(p, "InvalidArgument", "'Date' must be in ISO 8601 format");
    if (t % 86400 != 0) return fail(p, "InvalidArgument", "'Date' must be at midnight GMT");
    json_object_set_new(rule, "date_s", json_integer(t));
    json_object_set_new(rule, "date", json_stringn(s.ptr, s.len));
    return 0;
}

/* <Expiration>: one of Days, Date, ExpiredObjectDeleteMarker. */
static int parse_expiration(pctx_t *p, const lh_xml_node_t *e, json_t *rule)
{
    int n = 0, rc = 0;
    for (const lh_xml_node_t *c = e->child; c && !rc; c = c->next, n++) {
        if (!strcmp(c->name, "Days"))
            rc = days(p, c, rule, "days");
        else if (!strcmp(c->name, "Date"))
            rc = parse_date(p, c, rule);
        else if (!strcmp(c->name, "ExpiredObjectDeleteMarker") &&
                 (text_is(c, "true") || text_is(c, "false")))
            json_object_set_new(rule, "marker", json_boolean(text_is(c, "true")));
        else
            rc = fail(p, "MalformedXML", "unexpected <%s> in <Expiration>", c->name);
    }
    if (!rc && n != 1)
        rc = fail(p, "MalformedXML",
                  "<Expiration> takes exactly one of Days, Date and ExpiredObjectDeleteMarker");
    return rc;
}

static int parse_noncurrent(pctx_t *p, const lh_xml_node_t *e, json_t *rule)
{
    for (const lh_xml_node_t *c = e->child; c; c = c->next) {
        int rc = !strcmp(c->name, "NoncurrentDays") ? days(p, c, rule, "noncurrent_days")
                 : !strcmp(c->name, "NewerNoncurrentVersions")
                     ? not_supported(p, "NewerNoncurrentVersions limits")
                     : fail(p, "MalformedXML", "unexpected <%s> in <NoncurrentVersionExpiration>",
                            c->name);
        if (rc) return rc;
    }
    if (!json_object_get(rule, "noncurrent_days"))
        return fail(p, "MalformedXML", "<NoncurrentVersionExpiration> needs <NoncurrentDays>");
    return 0;
}

static int parse_abort(pctx_t *p, const lh_xml_node_t *e, json_t *rule)
{
    for (const lh_xml_node_t *c = e->child; c; c = c->next) {
        int rc = !strcmp(c->name, "DaysAfterInitiation")
                     ? days(p, c, rule, "abort_days")
                     : fail(p, "MalformedXML",
                            "unexpected <%s> in <AbortIncompleteMultipartUpload>", c->name);
        if (rc) return rc;
    }
    if (!json_object_get(rule, "abort_days"))
        return fail(p, "MalformedXML",
                    "<AbortIncompleteMultipartUpload> needs "
                    "<DaysAfterInitiation>");
    return 0;
}

/* One child of a <Rule>. */
static int rule_part(pctx_t *p, const lh_xml_node_t *c, json_t *rule)
{
    const char *n = c->name;
    if (!strcmp(n, "ID")) {
        if (c->text_len > 255)
            return fail(p, "InvalidArgument", "ID length should not exceed allowed limit of 255");
        json_object_set_new(rule, "id", json_stringn(c->text, c->text_len));
        return 0;
    }
    if (!strcmp(n, "Status")) {
        if (!text_is(c, "Enabled") && !text_is(c, "Disabled"))
            return fail(p, "MalformedXML", "Status must be Enabled or Disabled");
        json_object_set_new(rule, "enabled", json_boolean(text_is(c, "Enabled")));
        return 0;
    }
    if ((!strcmp(n, "Filter") || !strcmp(n, "Prefix")) && json_object_get(rule, "filter"))
        return fail(p, "MalformedXML", "a rule takes a <Filter> or a <Prefix>, not both");
    if (!strcmp(n, "Filter")) return parse_filter(p, c, rule);
    if (!strcmp(n, "Prefix")) {
        json_object_set_new(rule, "filter", json_string("prefix"));
        json_object_set_new(rule, "prefix", json_stringn(c->text, c->text_len));
        return 0;
    }
    if (!strcmp(n, "Expiration")) return parse_expiration(p, c, rule);
    if (!strcmp(n, "NoncurrentVersionExpiration")) return parse_noncurrent(p, c, rule);
    if (!strcmp(n, "AbortIncompleteMultipartUpload")) return parse_abort(p, c, rule);
    if (!strcmp(n, "Transition") || !strcmp(n, "NoncurrentVersionTransition"))
        return not_supported(p, "transitions (there is one storage class)");
    return fail(p, "MalformedXML", "unexpected <%s> in <Rule>", n);
}

/* 1 when an element name occurs twice among n's children. */
static int repeated(const lh_xml_node_t *n)
{
    for (const lh_xml_node_t *a = n->child; a; a = a->next)
        for (const lh_xml_node_t *b = a->next; b; b = b->next)
            if (!strcmp(a->name, b->name)) return 1;
    return 0;
}

static int parse_rule(pctx_t *p, const lh_xml_node_t *r, json_t *rules)
{
    json_t *rule = json_object();
    int rc = rule ? 0 : fail(p, "InternalError", "out of memory");
    if (!rc && repeated(r)) rc = fail(p, "MalformedXML", "an element repeats in <Rule>");
    for (const lh_xml_node_t *c = r->child; c && !rc; c = c->next)
        rc = rule_part(p, c, rule);
    if (!rc && !json_object_get(rule, "enabled"))
        rc = fail(p, "MalformedXML", "a rule needs a Status");
    if (!rc && json_object_get(rule, "marker") && json_object_get(rule, "days"))
        rc = fail(p, "MalformedXML", "ExpiredObjectDeleteMarker cannot be combined with Days");
    if (!rc && !json_object_get(rule, "days") && !json_object_get(rule, "date") &&
        !json_object_get(rule, "marker") && !json_object_get(rule, "noncurrent_days") &&
        !json_object_get(rule, "abort_days"))
        rc = fail(p, "InvalidRequest", "At least one action needs to be specified in a rule");
    if (!rc && !json_object_get(rule, "id")) { /* S3 names a rule without an ID */
        unsigned char b[10];
        char hex[21];
        lh_random_bytes(b, sizeof b);
        lh_hex(b, sizeof b, hex);
        json_object_set_new(rule, "id", json_string(hex));
    }
    if (!rc && !json_object_get(rule, "filter"))
        json_object_set_new(rule, "filter", json_string("none"));
    if (rc)
        json_decref(rule);
    else
        json_array_append_new(rules, rule);
    return rc;
}

static int unique_ids(pctx_t *p, json_t *rules)
{
    size_t n = json_array_size(rules);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (json_equal(json_object_get(json_array_get(rules, i), "id"),
                           json_object_get(json_array_get(rules, j), "id")))
                return fail(p, "InvalidArgument",
                            "Rule ID must be unique. Found same ID for more than one rule");
    return 0;
}

int lh_lifecycle_parse(const char *xml, size_t n, char **json, const char **code, char *msg,
                       size_t cap)
{
    pctx_t p = {code, msg, cap};
    lh_xml_node_t *root = NULL;
    lh_err_t err = {0};
    json_t *rules = json_array();
    int rc = 0, count = 0;
    *json = NULL;
    lh_arena_t *a = lh_arena_new(16384);
    if (!a || !rules || lh_xml_parse(a, xml, n, &root, &err) != 0 || !root ||
        strcmp(root->name, "LifecycleConfiguration"))
        rc = fail(&p, "MalformedXML", "not a LifecycleConfiguration document");
    for (const lh_xml_node_t *c = root ? root->child : NULL; c && !rc; c = c->next) {
        if (strcmp(c->name, "Rule"))
            rc = fail(&p, "MalformedXML", "unexpected <%s> in <LifecycleConfiguration>", c->name);
        else if (++count > MAX_RULES)
            rc = fail(&p, "MalformedXML", "at most %d rules", MAX_RULES);
        else
            rc = parse_rule(&p, c, rules);
    }
    if (!rc && count == 0) rc = fail(&p, "MalformedXML", "no <Rule>");
    if (!rc) rc = unique_ids(&p, rules);
    if (!rc) {
        json_t *doc = json_pack("{s:O}", "rules", rules);
        *json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        if (!*json) rc = fail(&p, "InternalError", "out of memory");
    }
    json_decref(rules);
    lh_arena_free(a);
    return rc;
}

/* --- rendering --- */

static void elem(lh_buf_t *b, const char *name, const char *text)
{
    lh_buf_printf(b, "<%s>", name);
    lh_buf_xml_escape(b, text, strlen(text));
    lh_buf_printf(b, "</%s>", name);
}

static void render_rule(lh_buf_t *b, json_t *r)
{
    const char *filter = json_string_value(json_object_get(r, "filter"));
    const char *prefix = json_string_value(json_object_get(r, "prefix"));
    json_t *d = json_object_get(r, "days"), *nd = json_object_get(r, "noncurrent_days");
    json_t *ad = json_object_get(r, "abort_days"), *m = json_object_get(r, "marker");
    const char *date = json_string_value(json_object_get(r, "date"));
    lh_buf_puts(b, "<Rule>");
    const char *id = json_string_value(json_object_get(r, "id"));
    elem(b, "ID", id ? id : "");
    if (filter && !strcmp(filter, "prefix")) {
        elem(b, "Prefix", prefix ? prefix : "");
    } else {
        lh_buf_puts(b, "<Filter>");
        if (prefix) elem(b, "Prefix", prefix);
        lh_buf_puts(b, "</Filter>");
    }
    elem(b, "Status", json_is_true(json_object_get(r, "enabled")) ? "Enabled" : "Disabled");
    if (d || date || m) {
        lh_buf_puts(b, "<Expiration>");
        if (d) lh_buf_printf(b, "<Days>%lld</Days>", (long long)json_integer_value(d));
        if (date) {
            char ts[40];
            lh_time_iso8601_format(json_integer_value(json_object_get(r, "date_s")) * 1000000000, 3,
                                   ts, sizeof ts);
            elem(b, "Date", ts);
        }
        if (m) elem(b, "ExpiredObjectDeleteMarker", json_is_true(m) ? "true" : "false");
        lh_buf_puts(b, "</Expiration>");
    }
    if (nd)
        lh_buf_printf(b,
                      "<NoncurrentVersionExpiration><NoncurrentDays>%lld</NoncurrentDays>"
                      "</NoncurrentVersionExpiration>",
                      (long long)json_integer_value(nd));
    if (ad)
        lh_buf_printf(b,
                      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>%lld"
                      "</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
                      (long long)json_integer_value(ad));
    lh_buf_puts(b, "</Rule>");
}

int lh_lifecycle_render(const char *json, lh_buf_t *out)
{
    json_t *doc = json_loads(json, 0, NULL);
    json_t *rules = json_object_get(doc, "rules");
    if (!json_is_array(rules)) {
        json_decref(doc);
        return LH_EINVAL;
    }
    lh_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LifecycleConfiguration "
                     "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) render_rule(out, r);
    lh_buf_puts(out, "</LifecycleConfiguration>");
    json_decref(doc);
    return lh_buf_err(out);
}
