/* The role table: every service the binary can run, in start order. Adding
 * a service is one row here plus its folder (with its descriptor). `up` runs
 * every row; `serve` the rows it names. Also registers every module's
 * configuration keys and migrations once, before any command loads them. */
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/role.h"
#include "flow/flow.h"
#include "sql/sql.h"
#include "store/objstore.h"
#include "store/s3.h"
#include "stream/broker.h"
#include "web/web.h"

const lh_role_t *const lh_cmd_roles[] = {
    &lh_store_role,
    &lh_stream_role,
    &lh_flow_role,
    &lh_web_role,
};
const int lh_cmd_nroles = (int)(sizeof lh_cmd_roles / sizeof lh_cmd_roles[0]);

int lh_cmd_register_modules(void)
{
    int rc = lh_config_register(lh_objstore_lake_keys, lh_objstore_nlake_keys);
    if (!rc) rc = lh_sql_register_config();
    if (!rc) rc = lh_cmd_topic_register_config();
    if (!rc) rc = lh_cmd_demo_register_config();
    return rc ? rc : lh_roles_register(lh_cmd_roles, lh_cmd_nroles);
}
