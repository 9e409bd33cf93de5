/* The pure parts of `lakehouse topic`: the --from position and key=value
 * arguments, and a record rendered as a JSON object (bytes that are not
 * UTF-8 become base64, said so beside them) or as one escaped text line. */
#include <stdlib.h>
#include <string.h>

#include "cmd/topic_int.h"
#include "core/err.h"
#include "core/str.h"
#include "core/timefmt.h"

int lh__topic_parse_from(const char *s, lh_topic_from_t *from, int64_t *value)
{
    *value = 0;
    if (!strcmp(s, "beginning") || !strcmp(s, "earliest")) {
        *from = LH_TOPIC_FROM_BEGINNING;
        return 0;
    }
    if (!strcmp(s, "end") || !strcmp(s, "latest")) {
        *from = LH_TOPIC_FROM_END;
        return 0;
    }
    *from = s[0] == '@' ? LH_TOPIC_FROM_TIME : LH_TOPIC_FROM_OFFSET;
    const char *digits = s[0] == '@' ? s + 1 : s;
    uint64_t v;
    if (lh_str_to_u64((lh_str_t){digits, strlen(digits)}, &v) != 0 || v > INT64_MAX)
        return LH_EINVAL;
    *value = (int64_t)v;
    return 0;
}

int lh__topic_split_kv(const char *s, char *key, size_t cap, const char **value)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s) return LH_EINVAL;
    if (lh_str_copy(key, cap, (lh_str_t){s, (size_t)(eq - s)}) != 0) return LH_EINVAL;
    *value = eq + 1;
    return 0;
}

/* --- JSON --- */

/* Sets name (and name_encoding when the bytes are not UTF-8) on o. */
static int set_bytes(json_t *o, const char *name, const void *p, size_t n)
{
    if (!p) return json_object_set_new(o, name, json_null());
    if (lh_utf8_valid(p, n)) return json_object_set_new(o, name, json_stringn(p, n));
    char *b64 = malloc(4 * ((n + 2) / 3) + 1), enc[64];
    if (!b64) return -1;
    lh_base64_encode(p, n, b64);
    int rc = json_object_set_new(o, name, json_string(b64));
    free(b64);
    snprintf(enc, sizeof enc, "%s_encoding", name);
    return rc ? rc : json_object_set_new(o, enc, json_string("base64"));
}

static json_t *headers_json(const rd_kafka_headers_t *hs)
{
    json_t *a = json_array();
    const char *name;
    const void *val;
    size_t len;
    if (!a || !hs) return a;
    for (size_t i = 0; rd_kafka_header_get_all(hs, i, &name, &val, &len) == 0; i++) {
        json_t *h = json_object();
        if (!h || json_array_append_new(a, h) || json_object_set_new(h, "key", json_string(name)) ||
            set_bytes(h, "value", val, len)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static const char *tstype_name(rd_kafka_timestamp_type_t t)
{
    return t == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? "create"
           : t == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "log_append"
                                                     : "none";
}

json_t *lh__topic_record_json(const lh_topic_record_t *r)
{
    json_t *o = json_object();
    json_t *hs = headers_json(r->headers);
    if (!o || !hs || json_object_set_new(o, "topic", json_string(r->topic ? r->topic : "")) ||
        json_object_set_new(o, "partition", json_integer(r->partition)) ||
        json_object_set_new(o, "offset", json_integer(r->offset)) ||
        json_object_set_new(o, "timestamp",
                            r->timestamp >= 0 ? json_integer(r->timestamp) : json_null()) ||
        json_object_set_new(o, "timestamp_type", json_string(tstype_name(r->timestamp_type))) ||
        set_bytes(o, "key", r->key, r->key_len) || set_bytes(o, "value", r->value, r->value_len)) {
        json_decref(o);
        json_decref(hs);
        return NULL;
    }
    json_object_set_new(o, "headers", hs);
    return o;
}

/* --- text --- */

void lh__topic_escape(FILE *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c >= 0x80 ? lh_utf8_char(s + i, n - i, NULL) : 1;
        if (c == '\t' || c == '\n' || c == '\r' || c == '\\') {
            fputc('\\', out);
            fputc(c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\', out);
        } else if (c < 0x20 || c == 0x7f || len == 0) {
            fprintf(out, "\\x%02x", c);
            len = 1;
        } else {
            fwrite(s + i, 1, len, out);
        }
        i += len;
    }
}

void lh__topic_record_text(FILE *out, const lh_topic_record_t *r)
{
    char when[40] = "-";
    if (r->timestamp >= 0) lh_time_iso8601_format(r->timestamp * 1000000, 3, when, sizeof when);
    fprintf(out, "%d\t%lld\t%s\t", (int)r->partition, (long long)r->offset, when);
    if (r->key) lh__topic_escape(out, r->key, r->key_len);
    fputc('\t', out);
    if (r->value) lh__topic_escape(out, r->value, r->value_len);
    fputc('\n', out);
}
