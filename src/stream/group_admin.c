/* DeleteGroups and OffsetDelete, after Kafka's GroupCoordinator
 * (handleDeleteGroups, handleDeleteOffsets): only an Empty group is
 * deleted, with its offsets; offsets of a group with members are deleted
 * only for topics no member subscribes to, read from the members'
 * consumer-protocol metadata (version, then the topics; metadata that
 * does not parse counts as subscribed to everything). Each is one frame of
 * the offsets file, fsynced before the answer. */
#include "stream/group_int.h"
#include "stream/wire.h"

#include <string.h>

int16_t lh_stream_groups_delete(lh_stream_groups_t *g, lh_str_t group_id)
{
    if (!lh__group_storable_id(group_id)) return LH_GROUP_INVALID_GROUP_ID;
    lh__group_t *gr = lh__groups_find(g, group_id);
    if (!gr) return LH_GROUP_GROUP_ID_NOT_FOUND;
    if (gr->state != LH_GROUP_EMPTY || gr->nmembers) return LH_GROUP_NON_EMPTY_GROUP;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_kw_i8(&b, LH__GREC_DROP_GROUP);
    lh_kw_string(&b, group_id, false);
    lh_err_t err;
    int rc = lh__groups_log(g, &b, &err);
    lh_buf_free(&b);
    return rc ? LH_GROUP_COORDINATOR_NOT_AVAILABLE : LH_GROUP_NONE;
}

/* 1 when the consumer-protocol subscription in md names topic, or when it
 * cannot be read. */
static int subscribes(lh_str_t md, lh_str_t topic)
{
    lh_kr_t r;
    lh_kr_init(&r, md.ptr, md.len);
    lh_kr_i16(&r); /* version: v0's layout starts every later one */
    int32_t n = lh_kr_array(&r, false, false);
    for (int32_t i = 0; i < n && !r.err; i++) {
        lh_str_t t = lh_kr_string(&r, false, false, NULL);
        if (!r.err && t.len == topic.len && !memcmp(t.ptr, topic.ptr, t.len)) return 1;
    }
    return r.err;
}

static int subscribed(const lh__group_t *gr, lh_str_t topic)
{
    for (int i = 0; i < gr->nmembers; i++) {
        const lh__gmember_t *m = gr->members[i];
        if (!gr->protocol_name.ptr) return 1; /* no protocol chosen yet: unknown */
        for (int k = 0; k < m->nprotos; k++)
            if (lh__gbytes_eq(&m->protos[k].name, lh__gstr(&gr->protocol_name)) &&
                subscribes(lh__gstr(&m->protos[k].metadata), topic))
                return 1;
    }
    return 0;
}

int16_t lh_stream_groups_delete_offsets(lh_stream_groups_t *g, lh_str_t group_id,
                                        lh_stream_offset_delete_t *parts, int n)
{
    if (!lh__group_storable_id(group_id)) return LH_GROUP_INVALID_GROUP_ID;
    lh__group_t *gr = lh__groups_find(g, group_id);
    if (!gr) return LH_GROUP_GROUP_ID_NOT_FOUND;
    int empty = gr->state == LH_GROUP_EMPTY && !gr->nmembers;
    if (!empty && !lh__gbytes_eq(&gr->protocol_type, LH_STR("consumer")))
        return LH_GROUP_NON_EMPTY_GROUP;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_kw_i8(&b, LH__GREC_DROP_OFFSETS);
    lh_kw_string(&b, group_id, false);
    size_t count_at = b.len;
    lh_kw_i32(&b, 0);
    int32_t k = 0;
    for (int i = 0; i < n; i++) {
        parts[i].error = !empty && subscribed(gr, parts[i].topic)
                             ? LH_GROUP_GROUP_SUBSCRIBED_TO_TOPIC
                             : LH_GROUP_NONE;
        if (parts[i].error) continue;
        lh_kw_string(&b, parts[i].topic, false);
        lh_kw_i32(&b, parts[i].partition);
        k++;
    }
    lh_kw_patch_i32(&b, count_at, k);
    lh_err_t err;
    int rc = k ? lh__groups_log(g, &b, &err) : 0;
    lh_buf_free(&b);
    return rc ? LH_GROUP_COORDINATOR_NOT_AVAILABLE : LH_GROUP_NONE;
}
