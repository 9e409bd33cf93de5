/* The stream role: a Kafka-protocol broker over partition logs on disk
 * (src/stream/README.md). The command layer lists it in its role table. */
#ifndef LH_STREAM_BROKER_H
#define LH_STREAM_BROKER_H

#include "core/role.h"

extern const lh_role_t lh_stream_role;

#endif
