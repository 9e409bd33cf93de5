/* What the `demo` verbs share (src/cmd/demo.c generate, demo_install.c
 * install, demo_run.c run), and what `up --demo` (up_demo.c) starts. */
#ifndef LH_CMD_DEMO_INT_H
#define LH_CMD_DEMO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define LH_DEMO_MANIFEST_KEY "bronze/_demo/manifest.json"
#define LH_DEMO_DAG_ID "medallion"

/* demo.c: lake.endpoint from the data directory's run/endpoints.json (the
 * `s3` entry) when cfg names none. */
void lh__demo_lake_endpoint(lh_config_t *cfg);

/* demo.c: the records already in the demo topic (its partitions' high
 * watermarks summed; 0 when the topic does not exist), or -1 after
 * printing why Kafka could not tell. */
int64_t lh__demo_topic_records(lh_config_t *cfg);

/* demo_install.c: writes the embedded example (examples/medallion/) into
 * <flow.dags_dir>/medallion/ (its path into dir); with start_ms > 0 the
 * DAG's start_date becomes that hour and its `lateness` (the param and
 * the ingest task's) lateness_h hours. A file already holding those bytes
 * is left alone (so the orchestrator sees no change); others are replaced
 * atomically. 0, or 1 after printing why. */
int lh__demo_install(const lh_config_t *cfg, int64_t start_ms, int lateness_h, char *dir,
                     size_t cap);

/* The verbs after `demo`, with the configuration loaded (cfg is the
 * caller's) and argv the arguments left after the configuration flags. */
int lh__demo_install_cmd(lh_config_t *cfg, int argc, char **argv);
int lh__demo_run_cmd(lh_config_t *cfg, int argc, char **argv);

#endif
