/* Idempotent producers (KIP-98), per partition: the last 5 batches of each
 * producer id (Kafka's NUM_BATCHES_TO_RETAIN), so a retried batch is
 * answered with its first offset instead of being stored twice, and a gap
 * in the sequence numbers or a stale epoch is refused. State lives in memory
 * (lost on restart: a producer unknown to the broker is accepted at any
 * sequence, as a fresh start). Loop thread only. */
#ifndef LH_STREAM_IDEM_H
#define LH_STREAM_IDEM_H

#include "stream/broker_int.h"

/* Checks batch b (producer id >= 0) against p's producers. Returns 0 (append
 * it), 0 with *dup_base >= 0 (a duplicate: answer with that offset, do not
 * append), or a Kafka error: OUT_OF_ORDER_SEQUENCE (45), INVALID_PRODUCER_EPOCH
 * (47). */
int lh__sb_idem_check(lh_sb_part_t *p, const lh_stream_batch_t *b, int64_t *dup_base);
/* Remembers batch b appended at base (after a successful append). Returns 0
 * or LH_ENOMEM. */
int lh__sb_idem_record(lh_sb_part_t *p, const lh_stream_batch_t *b, int64_t base);
void lh__sb_idem_free(lh_sb_part_t *p);

#endif
