# test/fuzz/extract.awk
#
# Copy named pieces of a source file of src/ into a file that a fuzz
# target #includes, so that the target runs the project's own code even
# where that code sits in a file that cannot be built in the frontend
# (http.c needs the backend, option.c the catalogs, the providers the
# executor).  Nothing is copied by hand: a change in src/ is fuzzed at the
# next build, and a piece that has gone away stops the build.
#
#   awk -v items="fn:write_cb type:CrSlot var:envelope_paths" \
#       -f extract.awk ../../src/http.c > gen/http_fe.inc
#
# Item kinds, all in PostgreSQL layout:
#   fn:NAME    a function definition: the line "NAME(" at column 0, the
#              line before it (the return type) and up to the first "}"
#              at column 0
#   type:NAME  "typedef struct|enum NAME" or "struct NAME" at column 0, up
#              to the first "}" at column 0
#   var:NAME   "... NAME[] = {" at column 0, up to the first line ending
#              in "};"
#   def:NAME   "#define NAME", with its continuation lines
#
# The pieces come out in the order of the source file, each after a #line
# directive so that compiler messages and sanitizer stacks name the line
# in src/.  Exits 1, naming them, when an item is missing or found twice.

BEGIN {
	n = split(items, list, /[ \t\n]+/)
	for (i = 1; i <= n; i++)
	{
		if (list[i] == "")
			continue;
		kind = list[i]
		sub(/:.*/, "", kind)
		name = list[i]
		sub(/^[^:]*:/, "", name)
		if (kind != "fn" && kind != "type" && kind != "var" && kind != "def")
		{
			printf("extract.awk: unknown item kind \"%s\"\n", list[i]) > "/dev/stderr"
			bad = 1
			exit 1
		}
		want[kind ":" name] = 1
		found[kind ":" name] = 0
	}
	mode = ""
	prev = ""
}

# start of an item: remember which, print its header
function begin_item(key, firstline, text_before)
{
	found[key]++
	if (found[key] > 1)
	{
		printf("extract.awk: %s found twice in %s\n", key, FILENAME) > "/dev/stderr"
		bad = 1
	}
	printf("#line %d \"%s\"\n", firstline, FILENAME)
	if (text_before != "")
		print text_before
}

{
	line = $0

	if (mode == "")
	{
		# def:NAME
		if (line ~ /^#define[ \t]+[A-Za-z_0-9]+/)
		{
			nm = line
			sub(/^#define[ \t]+/, "", nm)
			sub(/[^A-Za-z_0-9].*$/, "", nm)
			if (("def:" nm) in want)
			{
				begin_item("def:" nm, FNR, "")
				print line
				if (line ~ /\\$/)
					mode = "def"
				prev = line
				next
			}
		}

		# type:NAME
		if (line ~ /^(typedef[ \t]+)?(struct|enum)[ \t]+[A-Za-z_0-9]+[ \t]*(\{)?[ \t]*$/)
		{
			nm = line
			sub(/^(typedef[ \t]+)?(struct|enum)[ \t]+/, "", nm)
			sub(/[^A-Za-z_0-9].*$/, "", nm)
			if (("type:" nm) in want)
			{
				begin_item("type:" nm, FNR, "")
				print line
				mode = "block"
				prev = line
				next
			}
		}

		# fn:NAME
		if (line ~ /^[A-Za-z_][A-Za-z_0-9]*\(/)
		{
			nm = line
			sub(/\(.*$/, "", nm)
			if (("fn:" nm) in want)
			{
				begin_item("fn:" nm, FNR - 1, prev)
				print line
				mode = "block"
				prev = line
				next
			}
		}

		# var:NAME
		if (line ~ /^[A-Za-z_].*[ *][A-Za-z_0-9]+\[\][ \t]*=/)
		{
			nm = line
			sub(/\[\][ \t]*=.*$/, "", nm)
			sub(/^.*[ *]/, "", nm)
			if (("var:" nm) in want)
			{
				begin_item("var:" nm, FNR, "")
				print line
				if (line !~ /\};[ \t]*$/)
					mode = "var"
				prev = line
				next
			}
		}
	}
	else if (mode == "def")
	{
		print line
		if (line !~ /\\$/)
			mode = ""
	}
	else if (mode == "block")
	{
		print line
		if (line ~ /^\}/)
		{
			mode = ""
			print ""
		}
	}
	else if (mode == "var")
	{
		print line
		if (line ~ /\};[ \t]*$/)
		{
			mode = ""
			print ""
		}
	}
	prev = line
}

END {
	if (mode != "")
	{
		printf("extract.awk: an item runs past the end of %s\n", FILENAME) > "/dev/stderr"
		bad = 1
	}
	for (k in want)
	{
		if (found[k] == 0)
		{
			printf("extract.awk: %s not found in %s\n", k, FILENAME) > "/dev/stderr"
			bad = 1
		}
	}
	if (bad)
		exit 1
}
