/*-------------------------------------------------------------------------
 *
 * fuzz_url.c
 *		  libFuzzer target for the URL origin check that guards Graph's
 *		  @odata.nextLink (cr_url_split and cr_url_same_origin of
 *		  src/http.c, taken from that file at build time and linked with
 *		  libcurl as the extension is).
 *
 * The input is two URLs, a and b, separated by the first newline; without
 * one, b is one of a few endpoints (byte 0 chooses).  Checks:
 *
 *	- a URL that splits has scheme http or https, a host, a port in
 *	  0..65535, a path from "/", and the Host header of its host and port;
 *	- the transfer would connect where the split says: libcurl, parsing the
 *	  URL as CURLOPT_URL does, finds the same scheme, host and port;
 *	- same_origin(a, a) for every a that splits; same_origin is symmetric,
 *	  and true exactly when both split to the same scheme, port and host
 *	  (case aside); then the transfers go to the same place too;
 *	- a with another port, or the other scheme, is never of a's origin;
 *	  a rebuilt from its scheme, Host header and path, or with its host in
 *	  upper case, is (unless it has a '%': see check_variants).
 *
 * Not checked: an IPv6 zone id.  libcurl leaves it out of the host, so
 * https://[fe80::1%25eth0]/ and https://[fe80::1%25eth1]/ are of one
 * origin here while their transfers leave by different interfaces.
 *
 * IDENTIFICATION
 *		  test/fuzz/fuzz_url.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <curl/curl.h>

#include "callrecord_fdw.h"
#include "fuzz_common.h"
#include "http.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const endpoints[] = {
	"https://graph.microsoft.com",
	"https://127.0.0.1:8443/graph",
	"http://localhost/graph/",
	"https://[::1]:8443/",
	"https://api.ucloud.cn/",
	"HTTPS://Graph.Microsoft.COM:443/v1.0",
	"http://example.com:80",
	"https://user@graph.microsoft.com/",
};

/* Check what cr_url_split() made of url. */
static void
check_split(const char *url, const CrUrl *u)
{
	char	   *scheme;
	char	   *host;
	int			port;
	int			default_port;

	FZ_CHECK(strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0);
	FZ_CHECK(u->host != NULL && u->host[0] != '\0');
	/* libcurl takes port 0 (the transfer then fails to connect) */
	FZ_CHECK(u->port >= 0 && u->port <= 65535);
	FZ_CHECK(u->path != NULL && u->path[0] == '/');
	default_port = strcmp(u->scheme, "https") == 0 ? 443 : 80;
	if (u->port == default_port)
		FZ_CHECK(strcmp(u->host_header, u->host) == 0);
	else
		FZ_CHECK(strcmp(u->host_header, psprintf("%s:%d", u->host, u->port)) == 0);

	/* where the transfer goes */
	FZ_CHECK(fz_transfer_origin(url, &scheme, &host, &port));
	FZ_CHECK(strcmp(scheme, u->scheme) == 0);
	FZ_CHECK(strcmp(host, u->host) == 0);
	FZ_CHECK(port == u->port);
}

/* a, changed by libcurl: one part set to value.  NULL if it will not. */
static char *
with_part(const char *url, CURLUPart part, const char *value)
{
	CURLU	   *u = curl_url();
	char	   *out = NULL;
	char	   *result = NULL;

	if (u == NULL)
		fz_fail(__FILE__, __LINE__, "curl_url() failed");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_set(u, part, value, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		result = pstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return result;
}

static void
check_pair(const char *a, const char *b)
{
	CrUrl		ua,
				ub;
	bool		sa = cr_url_split(a, &ua);
	bool		sb = cr_url_split(b, &ub);
	bool		same = cr_url_same_origin(a, b);

	if (sa)
		check_split(a, &ua);
	if (sb)
		check_split(b, &ub);

	FZ_CHECK(same == cr_url_same_origin(b, a));
	FZ_CHECK(same == (sa && sb &&
					  strcmp(ua.scheme, ub.scheme) == 0 &&
					  pg_strcasecmp(ua.host, ub.host) == 0 &&
					  ua.port == ub.port));
	if (sa)
		FZ_CHECK(cr_url_same_origin(a, a));
	if (sb)
		FZ_CHECK(cr_url_same_origin(b, b));
	if (same)
	{
		char	   *s1,
				   *h1,
				   *s2,
				   *h2;
		int			p1,
					p2;

		FZ_CHECK(fz_transfer_origin(a, &s1, &h1, &p1));
		FZ_CHECK(fz_transfer_origin(b, &s2, &h2, &p2));
		FZ_CHECK(strcmp(s1, s2) == 0 && pg_strcasecmp(h1, h2) == 0 && p1 == p2);
	}
}

/* Variants of a URL that splits. */
static void
check_variants(const char *a)
{
	CrUrl		u;
	CrUrl		v;
	char	   *other;
	char	   *rebuilt;
	char	   *c;

	if (!cr_url_split(a, &u))
		return;

	/* another port */
	other = with_part(a, CURLUPART_PORT, psprintf("%d", u.port % 65535 + 1));
	if (other && cr_url_split(other, &v))
	{
		FZ_CHECK(v.port != u.port);
		FZ_CHECK(!cr_url_same_origin(a, other));
		FZ_CHECK(!cr_url_same_origin(other, a));
	}

	/* the other scheme, the port as it was or implied */
	other = with_part(a, CURLUPART_SCHEME,
					  strcmp(u.scheme, "https") == 0 ? "http" : "https");
	if (other)
	{
		FZ_CHECK(!cr_url_same_origin(a, other));
		FZ_CHECK(!cr_url_same_origin(other, a));
	}

	/*
	 * Rebuilt from what the split says.  Not when the URL has a '%':
	 * libcurl gives the host percent-decoded, after it normalized numeric
	 * IPv4 hosts, so a URL made from that host is read differently, for
	 * the split and the transfer alike: "a%2541b" is host "a%41b", which
	 * in a URL is host "aAb"; "%39" is host "9", which in a URL is host
	 * "0.0.0.9".  (Such equivalent URLs are refused as other origins:
	 * the safe way.)
	 */
	if (strchr(a, '%') != NULL)
		return;
	rebuilt = psprintf("%s://%s%s", u.scheme, u.host_header, u.path);
	FZ_CHECK(cr_url_split(rebuilt, &v));
	FZ_CHECK(cr_url_same_origin(a, rebuilt));

	/* the host in upper case */
	rebuilt = psprintf("%s://%s%s", u.scheme, u.host_header, u.path);
	for (c = rebuilt; *c; c++)
	{
		if (*c == '/' && c > rebuilt + strlen(u.scheme) + 3)
			break;
		*c = pg_toupper((unsigned char) *c);
	}
	if (cr_url_split(rebuilt, &v))
		FZ_CHECK(cr_url_same_origin(a, rebuilt));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8 *nl = memchr(data, '\n', size);
	char	   *a;
	char	   *b;

	fz_begin();
	if (nl)
	{
		a = pnstrdup((const char *) data, nl - data);
		b = pnstrdup((const char *) nl + 1, size - (nl - data) - 1);
	}
	else
	{
		a = pnstrdup((const char *) data, size);
		b = pstrdup(endpoints[size > 0 ? data[0] % lengthof(endpoints) : 0]);
	}

	check_pair(a, b);
	check_variants(a);
	check_variants(b);
	fz_end();
	return 0;
}
