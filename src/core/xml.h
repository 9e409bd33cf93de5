/* A small non-validating XML parser for S3 request bodies (DeleteObjects,
 * CompleteMultipartUpload, CreateBucketConfiguration, ...). Builds a tree of
 * elements in an arena. Attributes are parsed and dropped, namespace prefixes
 * are stripped, comments and processing instructions are skipped, and a
 * DOCTYPE is refused (no entity expansion). Text is decoded (the 5 predefined
 * entities, character references, CDATA) and never trimmed. */
#ifndef LH_CORE_XML_H
#define LH_CORE_XML_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* Hard limits; going over one returns LH_ETOOBIG. */
#define LH_XML_MAX_DEPTH 32        /* nesting depth of elements (root = 1) */
#define LH_XML_MAX_NODES 20000     /* elements in one document */
#define LH_XML_MAX_TEXT (1u << 20) /* decoded text bytes in one document */

typedef struct lh_xml_node {
    const char *name; /* local name, namespace prefix stripped */
    const char *text; /* decoded character data directly inside this element
                         (concatenated, entities and CDATA decoded), NUL-terminated;
                         "" when there is none; may contain no NUL byte */
    size_t text_len;
    struct lh_xml_node *child, *next, *parent;
} lh_xml_node_t;

/* Parses the whole document buf[0..n) into a tree whose memory (nodes, names,
 * text) belongs to the arena a; *root is the document element. buf need not be
 * NUL-terminated and is not referenced after the call.
 * Returns 0; LH_EINVAL for malformed input (err says what and at which byte
 * offset); LH_ETOOBIG over a limit above; LH_ENOMEM when the arena fails.
 * On error *root is left NULL. */
int lh_xml_parse(lh_arena_t *a, const char *buf, size_t n, lh_xml_node_t **root, lh_err_t *err);

/* First child element of n with that local name, or NULL (n may be NULL). */
const lh_xml_node_t *lh_xml_child(const lh_xml_node_t *n, const char *name);
/* Next sibling after n with that local name, or NULL (n may be NULL). */
const lh_xml_node_t *lh_xml_next(const lh_xml_node_t *n, const char *name);

#endif
