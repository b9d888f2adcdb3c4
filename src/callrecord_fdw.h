/*-------------------------------------------------------------------------
 *
 * callrecord_fdw.h
 *		  Engine types shared by the files of callrecord_fdw.
 *
 * The pipeline is: options -> quals -> plan -> request plan -> transport
 * -> decode -> tuples.  Vendors plug in through CrProvider (provider.h);
 * nothing in this header knows a vendor.
 *
 * Times inside the engine are int64 microseconds since the Unix epoch
 * ("unix us"); TimestampTz appears only at the edges.
 *
 * IDENTIFICATION
 *		  src/callrecord_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CALLRECORD_FDW_H
#define CALLRECORD_FDW_H

#include "access/attnum.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/*
 * nodes/parsenodes.h needs postgres.h (Datum), so the frontend unit-test
 * build of sign.c and of the vendor signers cannot include it.  Backend
 * files keep getting it from here.
 */
#ifndef FRONTEND
#include "nodes/parsenodes.h"
#endif

#define CALLRECORD_FDW_VERSION "1.1"

#define CR_USEC_PER_SEC		INT64CONST(1000000)
#define CR_USEC_PER_DAY		(INT64CONST(86400) * CR_USEC_PER_SEC)

/* Largest response body accepted from a vendor, in bytes. */
#define CR_MAX_BODY_BYTES	(64 * 1024 * 1024)

/* Deepest JSON nesting accepted in a vendor response. */
#define CR_MAX_JSON_DEPTH	64

/* ------------------------------------------------------------------------
 * Resources and columns (filled by providers, read by the engine)
 * ------------------------------------------------------------------------
 */

/* How a JSON value becomes a column value. */
typedef enum CrConv
{
	CR_CONV_PLAIN,				/* the value's text through the input function */
	CR_CONV_EPOCH,				/* epoch number: >= 10^11 is ms, else seconds */
	CR_CONV_ISO					/* ISO 8601 timestamp text */
} CrConv;

/* Where a column's value comes from. */
typedef enum CrColSource
{
	CR_SRC_FIELD,				/* a field of the JSON record */
	CR_SRC_DAY,					/* the day the request asked for */
	CR_SRC_FANOUT				/* the value of the pushed equality parameter */
} CrColSource;

/* Pushdown capabilities of a column (bit flags). */
#define CR_PUSH_EQ		0x01	/* col = value -> eq_param */
#define CR_PUSH_IN		0x02	/* col IN (...) / = ANY -> fan-out over eq_param */
#define CR_PUSH_NE		0x04	/* col <> value -> ne_param */
#define CR_PUSH_RANGE	0x08	/* the time column: <, <=, =, >=, >, BETWEEN */

typedef struct CrColumnDef
{
	const char *name;			/* canonical column name */
	const char *sqltype;		/* type used by IMPORT FOREIGN SCHEMA */
	const char *field;			/* JSON field name (CR_SRC_FIELD) */
	const char *alt_field;		/* fallback JSON field name, or NULL */
	CrConv		conv;
	CrColSource source;
	int			push;			/* CR_PUSH_* flags */
	const char *eq_param;		/* request parameter for = and IN */
	const char *ne_param;		/* request parameter for <> */
} CrColumnDef;

typedef struct CrResource
{
	const char *name;			/* foreign table / resource name */
	const char *action;			/* vendor API action, for EXPLAIN and errors */
	const CrColumnDef *columns;
	int			ncolumns;
	int			time_column;	/* index into columns of the range column */
	bool		order_pushable; /* ORDER BY time_column can be pushed */
	const char *records_path;	/* JSON path of the record array (or object) */
} CrResource;

/* ------------------------------------------------------------------------
 * Options (option.c)
 * ------------------------------------------------------------------------
 */

/* Effective options of one foreign table, read once per plan/scan. */
typedef struct CrOptions
{
	const struct CrProvider *provider;
	const CrResource *resource;

	/* server */
	char	   *endpoint;		/* NULL: the provider's default */
	char	   *token_endpoint;
	char	   *region;
	char	   *ca_file;
	char	   *time_zone;
	char	   *signature_version;
	int			timeout_ms;
	int			connect_timeout_ms;
	int			max_retries;
	double		requests_per_second;
	int			concurrency;
	int			history_days;

	/* table */
	int			page_size;
	char	   *isv_code;
	char	   *cust_space_id;
	char	   *sdk_app_ids;
} CrOptions;

/* Credentials of one user mapping; never stored in a plan. */
typedef struct CrAccount
{
	Oid			umid;			/* user mapping OID, or InvalidOid */
	List	   *options;		/* DefElem list of the user mapping */
	uint8		rate_key[32];	/* SHA-256 of provider, endpoint, credentials */
} CrAccount;

/* ------------------------------------------------------------------------
 * Requests and responses (http.c and the providers)
 * ------------------------------------------------------------------------
 */

/* A name/value request parameter, raw (not yet encoded). */
typedef struct CrParam
{
	const char *name;
	const char *value;
} CrParam;

/* What one request asks for: built by the engine, turned into HTTP by the provider. */
typedef struct CrRequestSpec
{
	const CrOptions *opts;
	int64		start_us;		/* window [start_us, end_us) */
	int64		end_us;
	int			page;			/* 0-based page number */
	int			page_size;
	bool		order_desc;
	CrParam    *params;			/* pushed equality/inequality parameters */
	int			nparams;
	const char *next_url;		/* a vendor's link to the next page, or NULL */
} CrRequestSpec;

typedef struct CrHttpRequest
{
	char	   *url;
	const char *method;			/* "GET" or "POST" */
	char	   *body;			/* NULL for none */
	size_t		body_len;
	List	   *headers;		/* char * "Name: value" */
} CrHttpRequest;

typedef struct CrHttpResponse
{
	long		status;			/* HTTP status, 0 when no response */
	char	   *body;			/* NUL-terminated; palloc'd */
	size_t		body_len;
	char	   *request_id;		/* value of the provider's request-id header */
	double		retry_after_s;	/* Retry-After, or -1 */
	bool		transport_failed;	/* no complete response: see error */
	char	   *error;			/* transport error text (no URL, no secret) */
	bool		timed_out;		/* the request ran out of timeout_ms */
	bool		retryable;		/* a transport failure worth another try */
	bool		sent;			/* the request left (else: never written) */
	int64		sent_us;		/* when it left */
	bool		sent_reported;	/* cr_http_next_sent already said so */
} CrHttpResponse;

/* What a provider made of one response. */
typedef enum CrOutcome
{
	CR_OUTCOME_OK,
	CR_OUTCOME_VENDOR_ERROR,	/* the vendor said no */
	CR_OUTCOME_MALFORMED		/* not what the vendor sends */
} CrOutcome;

typedef enum CrRetry
{
	CR_RETRY_NO,
	CR_RETRY_YES,				/* 5xx, network, transient vendor code */
	CR_RETRY_THROTTLE,			/* throttled: back off */
	CR_RETRY_REAUTH				/* credential refused: renew it, retry once */
} CrRetry;

/* One decoded JSON value. */
typedef struct CrJsonValue
{
	char	   *str;			/* text of a scalar, raw JSON of a container; NULL if absent */
	int			type;			/* JsonTokenType of a scalar, or CR_JSON_OBJECT/ARRAY */
} CrJsonValue;

#define CR_JSON_ABSENT	0
#define CR_JSON_OBJECT	100
#define CR_JSON_ARRAY	101

/* A decoded page: the envelope and the records' wanted fields. */
typedef struct CrPage
{
	CrOutcome	outcome;
	CrRetry		retry;
	char	   *error_code;		/* vendor error code (text) */
	char	   *error_message;	/* vendor error message */
	char	   *request_id;
	int64		total;			/* total rows announced, or -1 */
	char	   *next_url;		/* link to the next page, or NULL */
	int			nrows;
	int			nfields;
	CrJsonValue *values;		/* nrows * nfields */
	char	  **raw;			/* nrows raw record objects, if asked */
} CrPage;

/* ------------------------------------------------------------------------
 * JSON (json.c)
 * ------------------------------------------------------------------------
 */

typedef struct CrJsonSpec
{
	const char *records_path;	/* dotted path of the record array/object; "" = top */
	const char *const *env_paths;	/* dotted paths of envelope scalars */
	int			nenv;
	const char *const *fields;	/* record fields wanted */
	int			nfields;
	bool		want_raw;		/* keep each record's raw JSON text */
} CrJsonSpec;

typedef struct CrJsonResult
{
	CrJsonValue *env;			/* nenv values */
	bool		records_found;	/* records_path was present */
	int			nrows;
	CrJsonValue *values;		/* nrows * nfields */
	char	  **raw;			/* nrows, if want_raw */
	char	   *error;			/* first problem, or NULL */
} CrJsonResult;


struct CrProvider;
struct ImportForeignSchemaStmt;

/* in option.c */
extern void cr_validate_options(List *options, Oid catalog);
extern CrOptions *cr_get_options(Oid foreigntableid);
extern CrAccount *cr_get_account(const CrOptions *opts, Oid userid, Oid serverid);
extern char *cr_credentials_list(const struct CrProvider *prov);
extern char *cr_column_field(Oid relid, AttrNumber attnum);
extern bool cr_parse_id_list(const char *s, List **ids);

/* in import.c */
extern List *cr_import_foreign_schema(struct ImportForeignSchemaStmt *stmt,
									  Oid serverOid);

/* in pacing.c */
extern int64 cr_now_us(void);
extern void cr_pacing_init(void);
extern bool cr_pacer_try_take(const CrAccount *acct, double rps, int64 now_us,
							  int64 *next_us);
extern void cr_pacer_done(const CrAccount *acct, double rps, bool sent,
						  int64 sent_us);
extern bool cr_pacing_shared(void);
extern int64 cr_backoff_us(int attempt, double retry_after_s);

/* in json.c */
extern bool cr_json_parse(char *body, size_t len, const CrJsonSpec *spec,
						  CrJsonResult *result);

/* in sign.c */
extern void cr_sha1_hex(const char *data, size_t len, char *out41);
extern void cr_sha256_hex(const char *data, size_t len, char *out65);
extern void cr_sha256(const char *data, size_t len, uint8 *out32);
extern bool cr_hmac_sha256(const uint8 *key, size_t keylen,
						   const char *data, size_t len, uint8 *out32);
extern bool cr_hmac_sha1(const uint8 *key, size_t keylen,
						 const char *data, size_t len, uint8 *out20);
extern void cr_hex(const uint8 *in, size_t len, char *out);
extern char *cr_base64(const uint8 *in, size_t len);
extern void cr_append_rfc3986(StringInfo buf, const char *s);
extern void cr_append_form(StringInfo buf, const char *s);
extern void cr_explicit_free(char *s);
extern const CrParam **cr_sorted_params(const CrParam *params, int nparams,
										const char *skip_name, int *nsorted);
extern char *cr_ascii_copy(const char *s, bool lower, bool trim);

#endif							/* CALLRECORD_FDW_H */
