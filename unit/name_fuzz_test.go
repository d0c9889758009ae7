package unit

import (
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// addSeeds seeds f with the inputs and systemd's answers from the tables.
func addSeeds(f *testing.F, tables ...[]conv) {
	for _, table := range tables {
		for _, c := range table {
			f.Add(c.in)
			f.Add(c.want)
		}
	}

	for _, tt := range invalidNames {
		f.Add(tt.name)
	}
}

func FuzzEscape(f *testing.F) {
	addSeeds(f, escapeTable, unescapeTable, suffixTable, templateTable)

	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		require.False(t, strings.HasPrefix(e, "."), "Escape(%q) = %q", s, e)
		for i := range len(e) {
			require.True(t, isNameChar(e[i]), "Escape(%q) = %q", s, e)
		}

		u, err := Unescape(e)
		require.NoError(t, err)
		require.Equal(t, s, u)
	})
}

func FuzzUnescape(f *testing.F) {
	addSeeds(f, escapeTable, unescapeTable, instanceTable)

	f.Fuzz(func(t *testing.T, s string) {
		u, err := Unescape(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidEscape)
			return
		}

		// Escaping is not unique: `\x41` and "A" unescape alike. But what
		// Unescape gives must survive escaping and unescaping again.
		again, err := Unescape(Escape(u))
		require.NoError(t, err)
		require.Equal(t, u, again)
	})
}

func FuzzEscapePath(f *testing.F) {
	addSeeds(f, escapePathTable, unescapePathTable, pathSuffixTable, pathTemplateTable)

	f.Fuzz(func(t *testing.T, p string) {
		e, err := EscapePath(p)
		if isCleanAbsolute(p) {
			require.NoError(t, err, "clean path %q", p)
		}

		if err != nil {
			require.ErrorIs(t, err, ErrInvalidPath)
			return
		}

		// Only absolute paths come back as they went in.
		if !strings.HasPrefix(p, "/") {
			return
		}

		back, err := UnescapePath(e)
		require.NoError(t, err, "EscapePath(%q) = %q", p, e)
		require.Equal(t, path.Clean(p), back)
	})
}

// isCleanAbsolute reports whether p is an absolute path that path.Clean
// leaves alone, without "..", NUL bytes or components and length beyond
// the kernel's limits: a path that EscapePath must take.
func isCleanAbsolute(p string) bool {
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p || len(p) > maxPathLength {
		return false
	}

	for c := range strings.SplitSeq(p[1:], "/") {
		if c == ".." || len(c) > maxComponentLength || strings.Contains(c, "\x00") {
			return false
		}
	}

	return true
}

func FuzzUnescapePath(f *testing.F) {
	addSeeds(f, escapePathTable, unescapePathTable)

	f.Fuzz(func(t *testing.T, s string) {
		p, err := UnescapePath(s)
		if err != nil {
			require.True(t, errors.Is(err, ErrInvalidPath) || errors.Is(err, ErrInvalidEscape), err)
			return
		}

		require.True(t, isCleanAbsolute(p), "UnescapePath(%q) = %q", s, p)

		e, err := EscapePath(p)
		require.NoError(t, err)

		back, err := UnescapePath(e)
		require.NoError(t, err)
		require.Equal(t, p, back)
	})
}

func FuzzParseName(f *testing.F) {
	addSeeds(f, instanceTable, mangleTable, suffixTable, templateTable)

	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseName(s)
		require.Equal(t, err, ValidateName(s))
		if err != nil {
			requireNameError(t, err, s)
			require.Zero(t, n)
			return
		}

		require.Equal(t, s, n.String())
		require.Equal(t, s, joinName(n))
		require.Equal(t, 1, countTrue(n.IsPlain(), n.IsTemplate(), n.IsInstance()))

		// A valid name passes through Mangle unchanged.
		m, err := Mangle(s, TypeSocket)
		require.NoError(t, err)
		require.Equal(t, n, m)

		if !n.IsPlain() {
			requireTemplateRoundTrip(t, n)
		}
	})
}

func requireNameError(tb testing.TB, err error, name string) {
	tb.Helper()

	var ne *NameError
	require.ErrorAs(tb, err, &ne)
	require.ErrorIs(tb, err, ErrInvalidName)
	require.Equal(tb, name, ne.Name)
	require.NotEmpty(tb, ne.Reason)
}

// joinName puts a name together again from its parts.
func joinName(n Name) string {
	s := n.Prefix()
	if !n.IsPlain() {
		s += "@" + n.Instance()
	}

	return s + "." + n.Type().String()
}

func countTrue(bs ...bool) int {
	var n int
	for _, b := range bs {
		if b {
			n++
		}
	}

	return n
}

func requireTemplateRoundTrip(tb testing.TB, n Name) {
	tb.Helper()

	tmpl, err := n.Template()
	require.NoError(tb, err)
	require.True(tb, tmpl.IsTemplate())
	require.Equal(tb, n.Prefix(), tmpl.Prefix())
	require.Equal(tb, n.Type(), tmpl.Type())

	if n.IsInstance() {
		again, err := tmpl.WithInstance(n.Instance())
		require.NoError(tb, err)
		require.Equal(tb, n, again)
	}
}

// FuzzNameFromString checks that escaping lets any string into a name,
// as prefix or as instance, whenever the result is short enough, and that
// the string comes back out whole.
func FuzzNameFromString(f *testing.F) {
	addSeeds(f, escapeTable, suffixTable, templateTable)

	tmpl, err := ParseName("app@.service")
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)

		n, err := NameFromString(s, TypeTimer)
		if s != "" && len(e)+len(".timer") <= MaxNameLength {
			require.NoError(t, err)
			requireUnescapes(t, s, n.Prefix())
		} else {
			require.ErrorIs(t, err, ErrInvalidName)
		}

		in, err := tmpl.WithEscapedInstance(s)
		if s != "" && len(tmpl.String())+len(e) <= MaxNameLength {
			require.NoError(t, err)
			requireUnescapes(t, s, in.Instance())

			back, err := in.Template()
			require.NoError(t, err)
			require.Equal(t, tmpl, back)
		} else {
			require.ErrorIs(t, err, ErrInvalidName)
		}
	})
}

func requireUnescapes(tb testing.TB, want, escaped string) {
	tb.Helper()

	got, err := Unescape(escaped)
	require.NoError(tb, err)
	require.Equal(tb, want, got)
}

func FuzzNameFromPath(f *testing.F) {
	addSeeds(f, escapePathTable, pathSuffixTable, pathTemplateTable, mangleTable)

	f.Fuzz(func(t *testing.T, p string) {
		n, err := NameFromPath(p, TypeAutomount)
		if _, escErr := EscapePath(p); escErr != nil {
			require.ErrorIs(t, err, ErrInvalidPath)
			return
		}

		require.NoError(t, err)
		require.True(t, n.IsPlain())
		require.Equal(t, TypeAutomount, n.Type())

		if isCleanAbsolute(p) && !n.isHashed() {
			back, err := n.Path()
			require.NoError(t, err)
			require.Equal(t, p, back)
		}
	})
}

func FuzzMangle(f *testing.F) {
	addSeeds(f, mangleTable, escapeTable, escapePathTable)

	f.Fuzz(func(t *testing.T, s string) {
		n, err := Mangle(s, TypeService)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidName)
			return
		}

		require.NoError(t, ValidateName(n.String()), "Mangle(%q) = %q", s, n)
	})
}
