#ifndef VERITY_CLIBPQ_SHIM_H
#define VERITY_CLIBPQ_SHIM_H

#include <libpq-fe.h>

// SHA-256 (content hashes, the history chain, output digests) comes from
// OpenSSL's libcrypto, which libpq itself links and loads: no second crypto
// library to build or load. libpq-dev depends on libssl-dev, so the header is
// there wherever libpq's is.
#include <openssl/evp.h>

// The PG_DIAG_* field codes are character macros ('C', 'M', ...) that Swift
// cannot import; expose them as constants so PQresultErrorField can be called.
static const int verity_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int verity_diag_severity = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int verity_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;
static const int verity_diag_message_detail = PG_DIAG_MESSAGE_DETAIL;
static const int verity_diag_message_hint = PG_DIAG_MESSAGE_HINT;
static const int verity_diag_constraint_name = PG_DIAG_CONSTRAINT_NAME;
static const int verity_diag_table_name = PG_DIAG_TABLE_NAME;
static const int verity_diag_column_name = PG_DIAG_COLUMN_NAME;
static const int verity_diag_schema_name = PG_DIAG_SCHEMA_NAME;
static const int verity_diag_context = PG_DIAG_CONTEXT;

#endif
