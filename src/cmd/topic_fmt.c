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

/* --- JSON, written straight out (a million records a second should not
 * wait on an allocator); its input is checked UTF-8, so escaping the
 * quote, the backslash and control characters makes valid JSON --- */

static void json_str(FILE *out, const char *s, size_t n)
{
    static const char *const esc[32] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};
    size_t i = 0;
    fputc('"', out);
    while (i < n) {
        size_t run = 0;
        while (i + run < n && (unsigned char)s[i + run] >= 0x20 && s[i + run] != '"' &&
               s[i + run] != '\\')
            run++;
        fwrite(s + i, 1, run, out);
        if ((i += run) >= n) break;
        unsigned char c = (unsigned char)s[i++];
        if (c >= 0x20)
            fprintf(out, "\\%c", c);
        else if (esc[c])
            fputs(esc[c], out);
        else
            fprintf(out, "\\u%04x", c);
    }
    fputc('"', out);
}

/* ,"name":value for bytes: null, a string when UTF-8, else base64 followed
 * by ,"name_encoding":"base64". */
static void json_bytes(FILE *out, const char *name, const void *p, size_t n, int first)
{
    fprintf(out, "%s\"%s\":", first ? "" : ",", name);
    if (!p) {
        fputs("null", out);
    } else if (lh_utf8_valid(p, n)) {
        json_str(out, p, n);
    } else {
        char *b64 = malloc(4 * ((n + 2) / 3) + 1);
        if (b64) lh_base64_encode(p, n, b64);
        json_str(out, b64 ? b64 : "", b64 ? strlen(b64) : 0);
        free(b64);
        fprintf(out, ",\"%s_encoding\":\"base64\"", name);
    }
}

static void json_headers(FILE *out, const rd_kafka_headers_t *hs)
{
    const char *name;
    const void *val;
    size_t len;
    fputs(",\"headers\":[", out);
    for (size_t i = 0; hs && rd_kafka_header_get_all(hs, i, &name, &val, &len) == 0; i++) {
        fputs(i ? ",{" : "{", out);
        json_bytes(out, "key", name, strlen(name), 1);
        json_bytes(out, "value", val, len, 0);
        fputc('}', out);
    }
    fputc(']', out);
}

static const char *tstype_name(rd_kafka_timestamp_type_t t)
{
    return t == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? "create"
           : t == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "log_append"
                                                     : "none";
}

void lh__topic_record_json(FILE *out, const lh_topic_record_t *r)
{
    const char *topic = r->topic ? r->topic : "";
    fputc('{', out);
    json_bytes(out, "topic", topic, strlen(topic), 1);
    fprintf(out, ",\"partition\":%d,\"offset\":%lld,\"timestamp\":", (int)r->partition,
            (long long)r->offset);
    if (r->timestamp >= 0)
        fprintf(out, "%lld", (long long)r->timestamp);
    else
        fputs("null", out);
    fprintf(out, ",\"timestamp_type\":\"%s\"", tstype_name(r->timestamp_type));
    json_bytes(out, "key", r->key, r->key_len, 0);
    json_bytes(out, "value", r->value, r->value_len, 0);
    json_headers(out, r->headers);
    fputs("}\n", out);
}

/* --- text --- */

/* The length of the well-formed, printable UTF-8 character at s (no escape
 * needed), or 0. */
static size_t plain(const char *s, size_t n)
{
    unsigned char c = (unsigned char)*s;
    if (c < 0x80) return c >= 0x20 && c != 0x7f && c != '\\';
    return lh_utf8_char(s, n, NULL);
}

void lh__topic_escape(FILE *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 0, len;
        while (i + run < n && (len = plain(s + i + run, n - i - run)) > 0)
            run += len;
        fwrite(s + i, 1, run, out); /* the printable run at once */
        if ((i += run) >= n) break;
        unsigned char c = (unsigned char)s[i++];
        if (c == '\t' || c == '\n' || c == '\r' || c == '\\')
            fprintf(out, "\\%c", c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\');
        else
            fprintf(out, "\\x%02x", c);
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
