/* `lakehouse topic`'s pure helpers (src/cmd/topic_fmt.c): the --from
 * position, key=value arguments, a record as a JSON object (base64 for bytes
 * that are not UTF-8, said so beside them) and as one escaped text line. */
#include <jansson.h>
#include <string.h>

#include "cmd/topic_int.h"
#include "core/err.h"
#include "core/str.h"
#include "test.h"

static void from_words_offsets_and_times(void)
{
    lh_topic_from_t f;
    int64_t v;
    CHECK_EQ_INT(lh__topic_parse_from("beginning", &f, &v), 0);
    CHECK_EQ_INT(f, LH_TOPIC_FROM_BEGINNING);
    CHECK_EQ_INT(lh__topic_parse_from("end", &f, &v), 0);
    CHECK_EQ_INT(f, LH_TOPIC_FROM_END);
    CHECK_EQ_INT(lh__topic_parse_from("42", &f, &v), 0);
    CHECK_EQ_INT(f, LH_TOPIC_FROM_OFFSET);
    CHECK_EQ_INT(v, 42);
    CHECK_EQ_INT(lh__topic_parse_from("@1733356800000", &f, &v), 0);
    CHECK_EQ_INT(f, LH_TOPIC_FROM_TIME);
    CHECK_EQ_INT(v, 1733356800000LL);
}

static void from_refuses_garbage(void)
{
    lh_topic_from_t f;
    int64_t v;
    const char *bad[] = {"", "@", "-1", "12x", "@-5", "start", "99999999999999999999", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK_EQ_INT(lh__topic_parse_from(bad[i], &f, &v), LH_EINVAL);
}

static void key_value_split(void)
{
    char k[16];
    const char *v;
    CHECK_EQ_INT(lh__topic_split_kv("retention.ms=1000", k, sizeof k, &v), 0);
    CHECK_EQ_STR(k, "retention.ms");
    CHECK_EQ_STR(v, "1000");
    CHECK_EQ_INT(lh__topic_split_kv("a==b", k, sizeof k, &v), 0);
    CHECK_EQ_STR(k, "a");
    CHECK_EQ_STR(v, "=b");
    CHECK_EQ_INT(lh__topic_split_kv("empty=", k, sizeof k, &v), 0);
    CHECK_EQ_STR(v, "");
    CHECK_EQ_INT(lh__topic_split_kv("novalue", k, sizeof k, &v), LH_EINVAL);
    CHECK_EQ_INT(lh__topic_split_kv("=x", k, sizeof k, &v), LH_EINVAL);
    CHECK_EQ_INT(lh__topic_split_kv("a.key.far.too.long.for.sixteen=1", k, sizeof k, &v),
                 LH_EINVAL);
}

typedef void (*render_fn)(FILE *, const lh_topic_record_t *);

static char *render(render_fn fn, const lh_topic_record_t *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    fn(f, r);
    fclose(f);
    return buf;
}

/* The record's JSON line parsed back (jansson), or NULL when it is not one
 * line of JSON. */
static json_t *parsed(const lh_topic_record_t *r)
{
    char *s = render(lh__topic_record_json, r);
    size_t n = strlen(s);
    json_t *o = n && s[n - 1] == '\n' && !memchr(s, '\n', n - 1) ? json_loads(s, 0, NULL) : NULL;
    free(s);
    return o;
}

static void record_json_fields_and_headers(void)
{
    rd_kafka_headers_t *hs = rd_kafka_headers_new(2);
    rd_kafka_header_add(hs, "trace", -1, "abc", 3);
    rd_kafka_header_add(hs, "bin", -1, "\xff\x00", 2);
    lh_topic_record_t r = {.topic = "orders",
                           .partition = 3,
                           .offset = 17,
                           .timestamp = 1733356800123LL,
                           .timestamp_type = RD_KAFKA_TIMESTAMP_CREATE_TIME,
                           .key = "k1",
                           .key_len = 2,
                           .value = "{\"a\":1}",
                           .value_len = 7,
                           .headers = hs};
    char *s = render(lh__topic_record_json, &r);
    CHECK_EQ_STR(s, "{\"topic\":\"orders\",\"partition\":3,\"offset\":17,\"timestamp\":"
                    "1733356800123,\"timestamp_type\":\"create\",\"key\":\"k1\",\"value\":"
                    "\"{\\\"a\\\":1}\",\"headers\":[{\"key\":\"trace\",\"value\":\"abc\"},"
                    "{\"key\":\"bin\",\"value\":\"/wA=\",\"value_encoding\":\"base64\"}]}\n");
    free(s);
    json_t *o = parsed(&r);
    CHECK(o);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "value")), "{\"a\":1}");
    json_decref(o);
    rd_kafka_headers_destroy(hs);
}

static void record_json_null_and_binary(void)
{
    lh_topic_record_t r = {.topic = "t",
                           .timestamp = -1,
                           .timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE,
                           .value = "\x80\x81",
                           .value_len = 2};
    json_t *o = parsed(&r);
    CHECK(o);
    CHECK(json_is_null(json_object_get(o, "key")));
    CHECK(json_is_null(json_object_get(o, "timestamp")));
    CHECK_EQ_STR(json_string_value(json_object_get(o, "timestamp_type")), "none");
    CHECK(!json_object_get(o, "key_encoding"));
    CHECK_EQ_STR(json_string_value(json_object_get(o, "value")), "gIE=");
    CHECK_EQ_STR(json_string_value(json_object_get(o, "value_encoding")), "base64");
    CHECK_EQ_INT(json_array_size(json_object_get(o, "headers")), 0);
    json_decref(o);
    /* an empty value is "", not null */
    r.value = "";
    r.value_len = 0;
    o = parsed(&r);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "value")), "");
    json_decref(o);
}

/* Every byte 0..255 in a value and a header, and every escape in a key: the
 * line parses and gives the bytes back (as text when UTF-8, else through
 * base64). */
static void record_json_every_byte_round_trips(void)
{
    char all[256];
    const char *text = "q\"b\\s/\x01\x1f\x7f\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end";
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    rd_kafka_headers_t *hs = rd_kafka_headers_new(1);
    rd_kafka_header_add(hs, text, -1, all, sizeof all);
    lh_topic_record_t r = {.topic = "t",
                           .key = text,
                           .key_len = strlen(text),
                           .value = all,
                           .value_len = sizeof all,
                           .headers = hs};
    json_t *o = parsed(&r);
    CHECK(o);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "key")), text);
    unsigned char back[300];
    const char *b64 = json_string_value(json_object_get(o, "value"));
    CHECK(b64);
    CHECK_EQ_INT(lh_base64_decode(b64, strlen(b64), back, sizeof back), 256);
    CHECK(!memcmp(back, all, sizeof all));
    json_t *h = json_array_get(json_object_get(o, "headers"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(h, "key")), text);
    CHECK_EQ_STR(json_string_value(json_object_get(h, "value_encoding")), "base64");
    json_decref(o);
    rd_kafka_headers_destroy(hs);
}

static void record_text_is_one_escaped_line(void)
{
    lh_topic_record_t r = {.partition = 1,
                           .offset = 5,
                           .timestamp = 1733356800123LL,
                           .key = "a\tb",
                           .key_len = 3,
                           .value = "l1\nl2\\ \x01\xff é",
                           .value_len = 12};
    char *s = render(lh__topic_record_text, &r);
    CHECK_EQ_STR(s, "1\t5\t2024-12-05T00:00:00.123Z\ta\\tb\tl1\\nl2\\\\ \\x01\\xff é\n");
    free(s);
    lh_topic_record_t none = {.partition = 0, .offset = 0, .timestamp = -1};
    s = render(lh__topic_record_text, &none);
    CHECK_EQ_STR(s, "0\t0\t-\t\t\n");
    free(s);
}

static const lh_test_t tests[] = {
    {"from_words_offsets_and_times", from_words_offsets_and_times},
    {"from_refuses_garbage", from_refuses_garbage},
    {"key_value_split", key_value_split},
    {"record_json_fields_and_headers", record_json_fields_and_headers},
    {"record_json_null_and_binary", record_json_null_and_binary},
    {"record_json_every_byte_round_trips", record_json_every_byte_round_trips},
    {"record_text_is_one_escaped_line", record_text_is_one_escaped_line},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
