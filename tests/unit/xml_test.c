/* Unit tests for the XML parser: S3 request bodies, entities, CDATA, comments,
 * namespaces, preserved whitespace, every class of malformed input, limits. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/xml.h"
#include "test.h"

static lh_arena_t *arena;
static lh_err_t err;

static lh_xml_node_t *parse(const char *s)
{
    lh_xml_node_t *root = NULL;
    if (!arena) arena = lh_arena_new(0);
    memset(&err, 0, sizeof err);
    int rc = lh_xml_parse(arena, s, strlen(s), &root, &err);
    return rc ? NULL : root;
}

static int parse_rc(const char *s, size_t n)
{
    lh_xml_node_t *root = (lh_xml_node_t *)1;
    if (!arena) arena = lh_arena_new(0);
    memset(&err, 0, sizeof err);
    int rc = lh_xml_parse(arena, s, n, &root, &err);
    if (rc && root) return 99; /* root must be NULL on error */
    return rc;
}

#define REJECT(doc, code, substr)                                                                  \
    do {                                                                                           \
        CHECK_EQ_INT(parse_rc(doc, sizeof(doc) - 1), code);                                        \
        if (!strstr(err.msg, substr)) {                                                            \
            fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err.msg, substr);                   \
            CHECK(0);                                                                              \
        }                                                                                          \
    } while (0)

static void delete_body(void)
{
    lh_xml_node_t *r =
        parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
              "<Object><Key>a&amp;b</Key><VersionId>null</VersionId></Object>"
              "<Object><Key>c</Key></Object></Delete>");
    CHECK(r);
    CHECK_EQ_STR(r->name, "Delete");
    CHECK(r->parent == NULL && r->next == NULL);
    CHECK_EQ_STR(lh_xml_child(r, "Quiet")->text, "true");
    const lh_xml_node_t *o = lh_xml_child(r, "Object");
    CHECK(o && o->parent == r);
    CHECK_EQ_STR(lh_xml_child(o, "Key")->text, "a&b");
    CHECK_EQ_INT(lh_xml_child(o, "Key")->text_len, 3);
    CHECK_EQ_STR(lh_xml_child(o, "VersionId")->text, "null");
    o = lh_xml_next(o, "Object");
    CHECK(o);
    CHECK_EQ_STR(lh_xml_child(o, "Key")->text, "c");
    CHECK(lh_xml_child(o, "VersionId") == NULL);
    CHECK(lh_xml_next(o, "Object") == NULL);
    CHECK(lh_xml_child(NULL, "x") == NULL && lh_xml_next(NULL, "x") == NULL);
}

static void complete_multipart_body(void)
{
    lh_xml_node_t *r =
        parse("<CompleteMultipartUpload>\n"
              "  <Part><PartNumber>1</PartNumber><ETag>\"abc\"</ETag>"
              "<ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>\n"
              "  <Part><PartNumber>2</PartNumber><ETag>&quot;def&quot;</ETag></Part>\n"
              "</CompleteMultipartUpload>\n");
    CHECK(r);
    const lh_xml_node_t *p = lh_xml_child(r, "Part");
    CHECK_EQ_STR(lh_xml_child(p, "PartNumber")->text, "1");
    CHECK_EQ_STR(lh_xml_child(p, "ETag")->text, "\"abc\"");
    CHECK_EQ_STR(lh_xml_child(p, "ChecksumCRC32")->text, "AAAAAA==");
    p = lh_xml_next(p, "Part");
    CHECK_EQ_STR(lh_xml_child(p, "PartNumber")->text, "2");
    CHECK_EQ_STR(lh_xml_child(p, "ETag")->text, "\"def\"");
    /* the whitespace between parts is the root's own text, untrimmed */
    CHECK_EQ_STR(r->text, "\n  \n  \n");
}

static void create_bucket_body(void)
{
    lh_xml_node_t *r = parse("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
                             "2006-03-01/\"><LocationConstraint>eu-west-1</LocationConstraint>"
                             "</CreateBucketConfiguration>");
    CHECK(r);
    CHECK_EQ_STR(lh_xml_child(r, "LocationConstraint")->text, "eu-west-1");
    CHECK_EQ_STR(r->text, "");
    CHECK_EQ_INT(r->text_len, 0);
}

static void entities_and_char_refs(void)
{
    lh_xml_node_t *r = parse("<K>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x63;&#xe9;&#x20AC;"
                             "&#x1F600;&#1;&#x9;&#x0000000000041;</K>");
    CHECK(r);
    CHECK_EQ_STR(r->text, "<>&'\"ABc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01\tA");
}

static void cdata_and_comments(void)
{
    lh_xml_node_t *r = parse("<!-- lead --><K>a<![CDATA[<b>&amp;]]]]>c<!-- x -->d<?pi x?>e"
                             "<![CDATA[]]></K><!-- trail -->");
    CHECK(r);
    CHECK_EQ_STR(r->text, "a<b>&amp;]]cde");
}

static void text_split_by_children_concatenates(void)
{
    lh_xml_node_t *r = parse("<a>x<b>y<c/>z</b>w<d>v</d>u</a>");
    CHECK(r);
    CHECK_EQ_STR(r->text, "xwu");
    const lh_xml_node_t *b = lh_xml_child(r, "b");
    CHECK_EQ_STR(b->text, "yz");
    CHECK_EQ_STR(lh_xml_child(b, "c")->text, "");
    CHECK_EQ_STR(lh_xml_child(r, "d")->text, "v");
    CHECK(b->next == lh_xml_child(r, "d"));
}

static void namespaces_and_attributes(void)
{
    lh_xml_node_t *r = parse("<s3:Delete xmlns:s3=\"urn:x\" a = 'v&amp;' b=\"1\">"
                             "<s3:Object id='7'><s3:Key>k</s3:Key ></s3:Object></s3:Delete >");
    CHECK(r);
    CHECK_EQ_STR(r->name, "Delete");
    CHECK_EQ_STR(lh_xml_child(lh_xml_child(r, "Object"), "Key")->text, "k");
}

static void whitespace_in_keys_preserved(void)
{
    lh_xml_node_t *r = parse("<Key>  a  b\t\n </Key>");
    CHECK(r);
    CHECK_EQ_STR(r->text, "  a  b\t\n ");
    /* CR/LF normalised per XML; a literal CR survives only as a reference */
    r = parse("<Key>a\r\nb\rc&#13;&#xD;</Key>");
    CHECK(r);
    CHECK_EQ_STR(r->text, "a\nb\nc\r\r");
    r = parse("<Key> </Key>");
    CHECK_EQ_STR(r->text, " ");
}

static void escape_roundtrip(void)
{
    const char key[] = "we\x01ird <key> & \"q\" 'a'\r\n\t\xc3\xa9";
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "<Key>"), 0);
    CHECK_EQ_INT(lh_buf_xml_escape(&b, key, sizeof key - 1), 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "</Key>"), 0);
    lh_xml_node_t *r = parse(b.ptr);
    lh_buf_free(&b);
    CHECK(r);
    CHECK_EQ_INT(r->text_len, sizeof key - 1);
    CHECK(memcmp(r->text, key, sizeof key - 1) == 0);
}

static void prolog_variants(void)
{
    CHECK(parse("\xEF\xBB\xBF<?xml version='1.0'?><a/>"));
    CHECK(parse("  \n<a/>\n  "));
    CHECK(parse("<?xml-stylesheet href='x'?><!-- c --><a/><?pi?>"));
    lh_xml_node_t *r = parse("<a/>");
    CHECK(r && r->child == NULL && r->text_len == 0);
}

static void rejects_structure_errors(void)
{
    REJECT("<a><b></a></b>", LH_EINVAL, "end tag </a> does not match <b>");
    REJECT("<a><b>", LH_EINVAL, "unclosed element <b>");
    REJECT("<a>", LH_EINVAL, "unclosed element");
    REJECT("</a>", LH_EINVAL, "end tag outside");
    REJECT("<a/><b/>", LH_EINVAL, "second root");
    REJECT("x<a/>", LH_EINVAL, "text outside");
    REJECT("<a/>x", LH_EINVAL, "text outside");
    REJECT("<a/>&amp;", LH_EINVAL, "text outside");
    REJECT("", LH_EINVAL, "no root element");
    REJECT("  <!-- c -->", LH_EINVAL, "no root element");
    REJECT("<a", LH_EINVAL, "unterminated start tag");
    REJECT("<a x='1'y='2'/>", LH_EINVAL, "whitespace before attribute");
    REJECT("<a x/>", LH_EINVAL, "expected '='");
    REJECT("<a x=1/>", LH_EINVAL, "quoted attribute");
    REJECT("<a x='1<'/>", LH_EINVAL, "'<' in attribute");
    REJECT("<a x='1", LH_EINVAL, "unterminated attribute");
    REJECT("<a x='&bad;'/>", LH_EINVAL, "unknown entity");
    REJECT("<1a/>", LH_EINVAL, "expected a name");
    REJECT("< a/>", LH_EINVAL, "expected a name");
    REJECT("<:a/>", LH_EINVAL, "qualified name");
    REJECT("<a:/>", LH_EINVAL, "qualified name");
    REJECT("<a:b:c/>", LH_EINVAL, "qualified name");
    REJECT("<a></a x>", LH_EINVAL, "expected '>'");
    REJECT("<a:b></b>", LH_EINVAL, "does not match");
}

static void rejects_markup_errors(void)
{
    REJECT("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", LH_EINVAL, "doctype not allowed");
    REJECT("<a><!DOCTYPE a></a>", LH_EINVAL, "doctype not allowed");
    REJECT("<a><!ELEMENT a></a>", LH_EINVAL, "unexpected '<!'");
    REJECT("<a><!-- x </a>", LH_EINVAL, "unterminated comment");
    REJECT("<a><!-- x -- y --></a>", LH_EINVAL, "'--' inside comment");
    REJECT("<a><![CDATA[x</a>", LH_EINVAL, "unterminated cdata");
    REJECT("<![CDATA[x]]><a/>", LH_EINVAL, "cdata outside");
    REJECT("<a><?pi x</a>", LH_EINVAL, "unterminated processing");
    REJECT("<a/><?xml version='1.0'?>", LH_EINVAL, "xml declaration not at the start");
    REJECT(" <?xml version='1.0'?><a/>", LH_EINVAL, "xml declaration not at the start");
    REJECT("<?xml version='1.0'", LH_EINVAL, "unterminated xml declaration");
}

static void rejects_bad_references(void)
{
    REJECT("<a>&foo;</a>", LH_EINVAL, "unknown entity");
    REJECT("<a>&amp</a>", LH_EINVAL, "unterminated entity");
    REJECT("<a>a & b</a>", LH_EINVAL, "unterminated entity");
    REJECT("<a>&;</a>", LH_EINVAL, "unknown entity");
    REJECT("<a>&#0;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#x0;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#xD800;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#x110000;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#xFFFF;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#99999999999999999999;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#x000000000000000000000000000000041;</a>", LH_EINVAL, "unterminated entity");
    REJECT("<a>&#x;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#12a;</a>", LH_EINVAL, "invalid character reference");
    REJECT("<a>&#X41;</a>", LH_EINVAL, "invalid character reference");
}

static void rejects_bad_bytes(void)
{
    REJECT("<a>\xff</a>", LH_EINVAL, "invalid utf-8");
    REJECT("<a>\xc0\xaf</a>", LH_EINVAL, "invalid utf-8");         /* overlong */
    REJECT("<a>\xed\xa0\x80</a>", LH_EINVAL, "invalid utf-8");     /* surrogate */
    REJECT("<a>\xf4\x90\x80\x80</a>", LH_EINVAL, "invalid utf-8"); /* > U+10FFFF */
    REJECT("<a>\xe2\x82</a>", LH_EINVAL, "invalid utf-8");         /* truncated */
    REJECT("<a>\x01</a>", LH_EINVAL, "forbidden control character");
    CHECK_EQ_INT(parse_rc("<a>x\0y</a>", 10), LH_EINVAL);
    CHECK(strstr(err.msg, "at byte 4"));
}

static void depth_limit(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int i = 0; i < LH_XML_MAX_DEPTH; i++)
        CHECK_EQ_INT(lh_buf_puts(&b, "<d>"), 0);
    for (int i = 0; i < LH_XML_MAX_DEPTH; i++)
        CHECK_EQ_INT(lh_buf_puts(&b, "</d>"), 0);
    CHECK(parse(b.ptr));
    lh_buf_reset(&b);
    for (int i = 0; i <= LH_XML_MAX_DEPTH; i++)
        CHECK_EQ_INT(lh_buf_puts(&b, "<d>"), 0);
    CHECK_EQ_INT(parse_rc(b.ptr, b.len), LH_ETOOBIG);
    CHECK(strstr(err.msg, "deeper"));
    lh_buf_free(&b);
}

static void node_limit(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "<r>"), 0);
    for (int i = 0; i < LH_XML_MAX_NODES - 1; i++)
        CHECK_EQ_INT(lh_buf_puts(&b, "<o/>"), 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "</r>"), 0);
    lh_xml_node_t *r = parse(b.ptr);
    CHECK(r);
    int n = 0;
    for (const lh_xml_node_t *o = lh_xml_child(r, "o"); o; o = lh_xml_next(o, "o"))
        n++;
    CHECK_EQ_INT(n, LH_XML_MAX_NODES - 1);
    b.len -= 4;
    CHECK_EQ_INT(lh_buf_puts(&b, "<o/></r>"), 0);
    CHECK_EQ_INT(parse_rc(b.ptr, b.len), LH_ETOOBIG);
    CHECK(strstr(err.msg, "elements"));
    lh_buf_free(&b);
}

static void text_limit(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "<r><a>"), 0);
    static char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    for (size_t i = 0; i < LH_XML_MAX_TEXT / sizeof chunk / 2; i++)
        CHECK_EQ_INT(lh_buf_append(&b, chunk, sizeof chunk), 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "</a><b>"), 0);
    for (size_t i = 0; i < LH_XML_MAX_TEXT / sizeof chunk / 2; i++)
        CHECK_EQ_INT(lh_buf_append(&b, chunk, sizeof chunk), 0);
    size_t mark = b.len;
    CHECK_EQ_INT(lh_buf_puts(&b, "</b></r>"), 0);
    lh_xml_node_t *r = parse(b.ptr); /* exactly the limit, split over two elements */
    CHECK(r);
    CHECK_EQ_INT(lh_xml_child(r, "b")->text_len, LH_XML_MAX_TEXT / 2);
    b.len = mark;
    CHECK_EQ_INT(lh_buf_puts(&b, "&amp;</b></r>"), 0);
    CHECK_EQ_INT(parse_rc(b.ptr, b.len), LH_ETOOBIG);
    lh_buf_free(&b);
}

static void many_objects_delete(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "<Delete>"), 0);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(lh_buf_printf(&b, "<Object><Key>k%d&#x20;</Key></Object>", i), 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "</Delete>"), 0);
    lh_xml_node_t *r = parse(b.ptr);
    lh_buf_free(&b);
    CHECK(r);
    int i = 0;
    for (const lh_xml_node_t *o = lh_xml_child(r, "Object"); o; o = lh_xml_next(o, "Object")) {
        char want[32];
        snprintf(want, sizeof want, "k%d ", i++);
        CHECK_EQ_STR(lh_xml_child(o, "Key")->text, want);
    }
    CHECK_EQ_INT(i, 1000);
}

static const lh_test_t tests[] = {
    {"delete_body", delete_body},
    {"complete_multipart_body", complete_multipart_body},
    {"create_bucket_body", create_bucket_body},
    {"entities_and_char_refs", entities_and_char_refs},
    {"cdata_and_comments", cdata_and_comments},
    {"text_split_by_children_concatenates", text_split_by_children_concatenates},
    {"namespaces_and_attributes", namespaces_and_attributes},
    {"whitespace_in_keys_preserved", whitespace_in_keys_preserved},
    {"escape_roundtrip", escape_roundtrip},
    {"prolog_variants", prolog_variants},
    {"rejects_structure_errors", rejects_structure_errors},
    {"rejects_markup_errors", rejects_markup_errors},
    {"rejects_bad_references", rejects_bad_references},
    {"rejects_bad_bytes", rejects_bad_bytes},
    {"depth_limit", depth_limit},
    {"node_limit", node_limit},
    {"text_limit", text_limit},
    {"many_objects_delete", many_objects_delete},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
