/* ListGroups and DescribeGroups: read-only views of the groups, as Kafka's
 * GroupMetadata.overview and summary give them (members' metadata and
 * assignments only while Stable; an unknown group is Dead); and the
 * counts the broker publishes as metrics. */
#include "stream/group_int.h"

#include <stdlib.h>
#include <string.h>

static lh_stream_group_member_info_t member_info(const lh__group_t *gr, const lh__gmember_t *m)
{
    lh_stream_group_member_info_t mi = {
        .member_id = lh__gstr(&m->id),
        .group_instance_id = m->instance_id.ptr ? lh__gstr(&m->instance_id) : (lh_str_t){NULL, 0},
        .client_id = lh__gstr(&m->client_id),
        .client_host = lh__gstr(&m->client_host),
        .metadata = LH_STR(""),
        .assignment = LH_STR(""),
    };
    if (gr->state != LH_GROUP_STABLE) return mi;
    for (int i = 0; i < m->nprotos; i++)
        if (lh__gbytes_eq(&m->protos[i].name, lh__gstr(&gr->protocol_name)))
            mi.metadata = lh__gstr(&m->protos[i].metadata);
    mi.assignment = lh__gstr(&m->assignment);
    return mi;
}

int lh_stream_groups_describe(lh_stream_groups_t *g, lh_str_t group_id, lh_stream_group_info_t *out)
{
    lh__groups_fire_id(g, group_id, lh__groups_now(g));
    const lh__group_t *gr = group_id.ptr ? lh__groups_find(g, group_id) : NULL;
    *out = (lh_stream_group_info_t){.group_id = group_id,
                                    .state = LH_GROUP_DEAD,
                                    .protocol_type = LH_STR(""),
                                    .protocol = LH_STR("")};
    if (!gr) return 0;
    if (gr->nmembers > g->capinfo) {
        void *p = realloc(g->scratch_info, (size_t)gr->nmembers * sizeof *g->scratch_info);
        if (!p) return LH_ENOMEM;
        g->scratch_info = p;
        g->capinfo = gr->nmembers;
    }
    for (int i = 0; i < gr->nmembers; i++)
        g->scratch_info[i] = member_info(gr, gr->members[i]);
    out->state = gr->state;
    out->protocol_type = lh__gstr(&gr->protocol_type);
    if (gr->state == LH_GROUP_STABLE) out->protocol = lh__gstr(&gr->protocol_name);
    out->members = g->scratch_info;
    out->nmembers = gr->nmembers;
    return 0;
}

void lh_stream_groups_stats(const lh_stream_groups_t *g, lh_stream_groups_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < g->ngroups; i++) {
        const lh__group_t *gr = g->groups[i];
        out->groups[gr->state]++;
        out->members += gr->nmembers;
    }
    out->rebalances = g->n_rebalances;
    out->commits = g->n_commits;
}

int lh_stream_groups_list(lh_stream_groups_t *g,
                          void (*fn)(void *arg, lh_str_t group_id, lh_str_t protocol_type,
                                     int state),
                          void *arg)
{
    for (int i = 0; i < g->ngroups; i++) {
        const lh__group_t *gr = g->groups[i];
        fn(arg, lh__gstr(&gr->id), lh__gstr(&gr->protocol_type), gr->state);
    }
    return g->ngroups;
}
