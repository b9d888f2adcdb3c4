#!/usr/bin/env bash
#
# make_certs.sh DIR
#
# Make (idempotently) the throwaway TLS material for test/vendor_server.py,
# with the openssl CLI only (OpenSSL 3.0 as on Debian 12):
#
#   ca.pem / ca.key              test CA (clients trust ca.pem)
#   server.pem / server.key      signed by the test CA, SAN DNS:localhost, IP:127.0.0.1
#   other-ca.pem                 an unrelated self-signed CA (trusting it must fail)
#   expired.pem / expired.key    signed by the test CA, valid 2020-01-01 .. 2020-01-02 only
#   wronghost.pem / wronghost.key signed by the test CA, SAN DNS:other.invalid only
#
# When every file already exists nothing is done.  Otherwise the whole set is
# made again in a scratch directory and moved into place, so the leaf
# certificates always chain to the ca.pem beside them.  Concurrent runs on the
# same DIR are serialised with flock(1) when it is available.

set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi

dir=$1
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

files="ca.pem ca.key server.pem server.key other-ca.pem expired.pem expired.key wronghost.pem wronghost.key"

all_present() {
	local f
	for f in $files; do
		[ -s "$dir/$f" ] || return 1
	done
	return 0
}

if all_present; then
	exit 0
fi

# Serialise concurrent runs on the same directory.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$dir/.make_certs.lock"
	flock 9
	if all_present; then
		exit 0
	fi
fi

work=$(mktemp -d "$dir/.make_certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One private config file, so the system openssl.cnf (its default extensions
# in particular) plays no part.
cat >"$work/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
prompt             = no
utf8               = yes

[ req_dn ]
CN = placeholder

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ ca ]
default_ca = test_ca

[ test_ca ]
dir              = .
database         = $dir/index.txt
new_certs_dir    = $dir/newcerts
serial           = $dir/serial
default_md       = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no

[ policy_any ]
commonName = supplied

[ leaf_localhost ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost, IP:127.0.0.1

[ leaf_wronghost ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:other.invalid
EOF

cd "$work"
mkdir newcerts
: >index.txt
openssl rand -hex 16 >serial

# Run openssl quietly; show its output only when it fails.
ossl() {
	if ! openssl "$@" >ossl.log 2>&1; then
		echo "make_certs.sh: openssl $1 failed:" >&2
		cat ossl.log >&2
		exit 1
	fi
}

newkey() {
	# EC P-256 keys: fast to make, accepted by OpenSSL, libcurl and Python.
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
	chmod 600 "$1"
}

selfsigned_ca() {
	# $1 = basename, $2 = common name
	newkey "$1.key"
	ossl req -config openssl.cnf -new -x509 -key "$1.key" -out "$1.pem" \
		-subj "/CN=$2" -days 3650 -sha256 -extensions v3_ca
}

# $1 = basename, $2 = common name, $3 = extensions section,
# remaining args = validity options for "openssl ca"
leaf() {
	local name=$1 cn=$2 ext=$3
	shift 3
	newkey "$name.key"
	ossl req -config openssl.cnf -new -key "$name.key" -out "$name.csr" -subj "/CN=$cn"
	ossl ca -config openssl.cnf -batch -notext -md sha256 \
		-cert ca.pem -keyfile ca.key -extensions "$ext" \
		-in "$name.csr" -out "$name.pem" "$@"
}

selfsigned_ca ca "callrecord_fdw test CA"
selfsigned_ca other-ca "callrecord_fdw unrelated CA"
leaf server localhost leaf_localhost -days 3650
# Explicit past validity: openssl ca takes -startdate/-enddate verbatim.
leaf expired localhost leaf_localhost -startdate 20200101000000Z -enddate 20200102000000Z
leaf wronghost other.invalid leaf_wronghost -days 3650

# Sanity checks: the good chain verifies, the bad ones are what they claim.
ossl verify -CAfile ca.pem server.pem
ossl verify -CAfile ca.pem wronghost.pem
if openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1; then
	echo "make_certs.sh: expired.pem unexpectedly verifies" >&2
	exit 1
fi

for f in $files; do
	mv -f "$f" "$dir/$f"
done
echo "make_certs.sh: certificates written to $dir"
