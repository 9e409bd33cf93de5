/* The API table: every Kafka API key the broker serves, with the versions
 * it advertises in ApiVersions and the handler of each, in key order. The
 * ranges follow ../shared/reference/kafka.md: version 0 of the group APIs,
 * FindCoordinator and InitProducerId stays advertised because librdkafka
 * turns features on only when the broker's range overlaps its pinned
 * versions; every range stays below the API's first flexible version
 * (.flex) except ApiVersions v3. Adding an API is one row here. */
#include "stream/broker_int.h"

#define NOFLEX INT16_MAX /* no flexible version exists */

const lh_kapi_t lh__kapis[] = {
    {.key = 0, .name = "Produce", .min = 3, .max = 7, .flex = 9, .handle = lh__k_produce},
    {.key = 1, .name = "Fetch", .min = 4, .max = 11, .flex = 12, .handle = lh__k_fetch},
    {.key = 2, .name = "ListOffsets", .min = 1, .max = 3, .flex = 6, .handle = lh__k_list_offsets},
    {.key = 3, .name = "Metadata", .min = 0, .max = 6, .flex = 9, .handle = lh__k_metadata},
    {.key = 17,
     .name = "SaslHandshake",
     .min = 0,
     .max = 1,
     .flex = NOFLEX,
     .handle = lh__k_sasl_handshake},
    {.key = 18, .name = "ApiVersions", .min = 0, .max = 3, .flex = 3, .handle = lh__k_api_versions},
    {.key = 19,
     .name = "CreateTopics",
     .min = 0,
     .max = 4,
     .flex = 5,
     .handle = lh__k_create_topics},
    {.key = 20,
     .name = "DeleteTopics",
     .min = 0,
     .max = 3,
     .flex = 4,
     .handle = lh__k_delete_topics},
    {.key = 22,
     .name = "InitProducerId",
     .min = 0,
     .max = 1,
     .flex = 2,
     .handle = lh__k_init_producer_id},
    {.key = 32,
     .name = "DescribeConfigs",
     .min = 0,
     .max = 2,
     .flex = 4,
     .handle = lh__k_describe_configs},
    {.key = 36,
     .name = "SaslAuthenticate",
     .min = 0,
     .max = 1,
     .flex = 2,
     .handle = lh__k_sasl_authenticate},
    {.key = 37,
     .name = "CreatePartitions",
     .min = 0,
     .max = 1,
     .flex = 2,
     .handle = lh__k_create_partitions},
};
const int lh__nkapis = (int)(sizeof lh__kapis / sizeof lh__kapis[0]);
