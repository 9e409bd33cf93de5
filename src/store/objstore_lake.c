/* The `lake` configuration section: the one key set through which tools and
 * tasks reach the lake (endpoint, bucket, region, addressing style, CA
 * bundle, credentials), so no tool invents its own. The store's lake bucket
 * reads lake.bucket too. */
#include "store/objstore.h"

const lh_config_key_t lh_objstore_lake_keys[] = {
    {.section = "lake",
     .key = "endpoint",
     .type = LH_CFG_URL,
     .env = "AWS_ENDPOINT_URL|LAKEHOUSE_S3_ENDPOINT",
     .help = "S3 endpoint of the lake for tools and tasks (`http(s)://host:port`); unset = no "
             "lake for a tool (inside the process that owns the data directory, the embedded "
             "store serves)"},
    {.section = "lake",
     .key = "bucket",
     .def = "lakehouse",
     .type = LH_CFG_STR,
     .help = "the lake bucket (the store creates it on first start)"},
    {.section = "lake",
     .key = "region",
     .def = "us-east-1",
     .type = LH_CFG_STR,
     .env = "AWS_REGION|AWS_DEFAULT_REGION",
     .help = "region tools sign lake requests for"},
    {.section = "lake",
     .key = "path_style",
     .def = "true",
     .type = LH_CFG_BOOL,
     .help = "path-style addressing (`host/bucket/key`); false = virtual-host style "
             "(`bucket.host/key`)"},
    {.section = "lake",
     .key = "ca_bundle",
     .type = LH_CFG_PATH,
     .env = "AWS_CA_BUNDLE",
     .help = "PEM file of CAs to verify an https lake endpoint"},
    {.section = "lake",
     .key = "unix_socket",
     .type = LH_CFG_PATH,
     .env = "LAKEHOUSE_S3_SOCKET",
     .help = "Unix socket of the lake endpoint's server on this machine (the store's "
             "`store.unix_listen`; tasks get it from the orchestrator): the same signed "
             "requests without TCP; empty, or a socket that does not answer = TCP"},
    {.section = "lake",
     .key = "access_key",
     .type = LH_CFG_STR,
     .env = "AWS_ACCESS_KEY_ID|LAKEHOUSE_ACCESS_KEY",
     .flag = "--lake-access-key",
     .help = "access key tools use for the lake"},
    {.section = "lake",
     .key = "secret_key",
     .type = LH_CFG_STR,
     .secret = 1,
     .env = "AWS_SECRET_ACCESS_KEY|LAKEHOUSE_SECRET_KEY",
     .flag = "--lake-secret-key",
     .help = "secret key tools use for the lake"},
};
const int lh_objstore_nlake_keys =
    (int)(sizeof lh_objstore_lake_keys / sizeof lh_objstore_lake_keys[0]);
