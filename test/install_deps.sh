#!/usr/bin/env bash
# Install what building and testing callrecord_fdw needs, only when missing.
# Debian 12, as root (or with sudo).
#
#   bash test/install_deps.sh [PKG...]          everything the test suite needs (and PKG...)
#   bash test/install_deps.sh --demo [PKG...]   only what test/demo.sh needs: PostgreSQL 15
#                                               and its server headers, libcurl, OpenSSL,
#                                               python3, make and gcc (no clang, JDK or JDBC)
set -euo pipefail

demo_pkgs=(postgresql-15 postgresql-server-dev-15 postgresql-common libcurl4-openssl-dev
           libssl-dev openssl python3 make gcc)
if [ "${1:-}" = "--demo" ]; then
	shift
	pkgs=("${demo_pkgs[@]}" "$@")
else
	pkgs=("${demo_pkgs[@]}" clang libclang-rt-14-dev libpostgresql-jdbc-java openjdk-17-jdk-headless "$@")
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q "${missing[@]}"
fi
