/* libFuzzer target: parses arbitrary bytes as an XML request body and walks
 * the resulting tree, checking the invariants the callers rely on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const lh_xml_node_t *n, int depth)
{
    size_t count = 0;
    for (; n; n = n->next) {
        if (depth > LH_XML_MAX_DEPTH || strlen(n->text) != n->text_len || !*n->name ||
            strchr(n->name, ':'))
            abort();
        lh_xml_child(n, n->name);
        lh_xml_next(n, n->name);
        for (const lh_xml_node_t *c = n->child; c; c = c->next)
            if (c->parent != n) abort();
        count += 1 + walk(n->child, depth + 1);
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_arena_t *a = lh_arena_new(0);
    if (!a) return 0;
    lh_xml_node_t *root = NULL;
    lh_err_t err = {0};
    int rc = lh_xml_parse(a, (const char *)data, size, &root, &err);
    if (rc == 0) {
        if (!root || root->next || root->parent || walk(root, 1) > LH_XML_MAX_NODES) abort();
    } else if (root || !err.msg[0]) {
        abort();
    }
    lh_arena_free(a);
    return 0;
}
