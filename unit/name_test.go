package unit

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conv is one input and what systemd-escape from systemd 252 printed for
// it, or fail when it exited with an error. The tables below were filled in
// by running it on these inputs; TestSystemdEscapeDifferential runs the
// installed systemd-escape over them again.
type conv struct {
	in   string
	want string
	fail bool
}

// fail marks a conv whose input systemd-escape refused.
const fail = true

// systemd-escape
var escapeTable = []conv{
	{"", "", false},
	{"foo", "foo", false},
	{"foo bar", `foo\x20bar`, false},
	{"/var/lib", "-var-lib", false},
	{"a-b", `a\x2db`, false},
	{`a\b`, `a\x5cb`, false},
	{".hidden", `\x2ehidden`, false},
	{"a.b", "a.b", false},
	{"..x", `\x2e.x`, false},
	{"..", `\x2e.`, false},
	{"x/.y", "x-.y", false},
	{"user@host", `user\x40host`, false},
	{"app@.service", `app\x40.service`, false},
	{"é", `\xc3\xa9`, false},
	{"日本", `\xe6\x97\xa5\xe6\x9c\xac`, false},
	{"a:b_c", "a:b_c", false},
	{"Hello, World!", `Hello\x2c\x20World\x21`, false},
	{"\x7f\x01", `\x7f\x01`, false},
	{"tab\tnl\n", `tab\x09nl\x0a`, false},
	{"--", `\x2d\x2d`, false},
	{"/", "-", false},
	{`C:\dir`, `C:\x5cdir`, false},
	{"~user/$HOME", `\x7euser-\x24HOME`, false},
	{"a%b", `a\x25b`, false},
}

// systemd-escape --unescape
var unescapeTable = []conv{
	{"", "", false},
	{"foo", "foo", false},
	{`foo\x20bar`, "foo bar", false},
	{"-var-lib", "/var/lib", false},
	{`a\x2db`, "a-b", false},
	{`a\x2Db`, "a-b", false},
	{`\x2ehidden`, ".hidden", false},
	{`\xc3\xa9`, "é", false},
	{"--", "//", false},
	{"-", "/", false},
	{"a.b@c", "a.b@c", false},
	{`\x5c\x2d`, `\-`, false},
	{`a\x`, "", fail},
	{`a\x2`, "", fail},
	{`a\xzz`, "", fail},
	{`a\q`, "", fail},
	{`\`, "", fail},
	{`a\X41`, "", fail},
}

// systemd-escape --path
var escapePathTable = []conv{
	{"/var/lib", "var-lib", false},
	{"/", "-", false},
	{"", "-", false},
	{"//var//lib/", "var-lib", false},
	{"/var/./lib/.", "var-lib", false},
	{"/x/./", "x", false},
	{"/.hidden", `\x2ehidden`, false},
	{"/home/user/.cache", "home-user-.cache", false},
	{"/a-b", `a\x2db`, false},
	{`/a\b`, `a\x5cb`, false},
	{"/a b", `a\x20b`, false},
	{"/a/..b/...", "a-..b-...", false},
	{"/dev/sda1", "dev-sda1", false},
	{"/é", `\xc3\xa9`, false},
	{"foo", "foo", false},
	{"foo/.", "foo", false},
	{"/tmp/..", "", fail},
	{"/../x", "", fail},
	{".", "", fail},
	{"./", "", fail},
	{"./foo/../bar", "", fail},
}

// systemd-escape --path --unescape
var unescapePathTable = []conv{
	{"var-lib", "/var/lib", false},
	{"-", "/", false},
	{`\x2ehidden`, "/.hidden", false},
	{`a\x2fb`, "/a/b", false},
	{`a\x20b`, "/a b", false},
	{`\x2d`, "/-", false},
	{"dev-sda1", "/dev/sda1", false},
	{"..x", "/..x", false},
	{"", "", fail},
	{"-var", "", fail},
	{"var-", "", fail},
	{"a--b", "", fail},
	{"a-.-b", "", fail},
	{"a-..-b", "", fail},
	{`a\x2f`, "", fail},
	{".", "", fail},
	{"..", "", fail},
	{`a\q`, "", fail},
}

// systemd-escape --suffix=service. systemd-escape prints whatever the
// escaping gives, even when that is no valid unit name; NameFromString
// refuses those instead.
var suffixTable = []conv{
	{"my app", `my\x20app.service`, false},
	{"", ".service", false},
	{"a-b", `a\x2db.service`, false},
	{".x", `\x2ex.service`, false},
	{"web/v1", "web-v1.service", false},
}

// systemd-escape --path --suffix=mount
var pathSuffixTable = []conv{
	{"/var/lib", "var-lib.mount", false},
	{"/", "-.mount", false},
	{"/home/user/.cache", "home-user-.cache.mount", false},
	{"/srv/my data", `srv-my\x20data.mount`, false},
	{"/a/../b", "", fail},
}

// systemd-escape --template=app@.service
var templateTable = []conv{
	{"v1.conf", "app@v1.conf.service", false},
	{"a b", `app@a\x20b.service`, false},
	{"x@y", `app@x\x40y.service`, false},
	{"../etc", `app@\x2e.-etc.service`, false},
	{"évil/inst", `app@\xc3\xa9vil-inst.service`, false},
	{"", "", fail},
}

// systemd-escape --template=systemd-fsck@.service --path
var pathTemplateTable = []conv{
	{"/dev/sda1", "systemd-fsck@dev-sda1.service", false},
	{"/", "systemd-fsck@-.service", false},
	{"/dev/disk/by-label/my disk", `systemd-fsck@dev-disk-by\x2dlabel-my\x20disk.service`, false},
	{"/a/../b", "", fail},
}

// systemd-escape --unescape --instance, which only succeeds for valid
// instance names whose instance unescapes.
var instanceTable = []conv{
	{"app@v1.service", "v1", false},
	{`app@a\x20b.service`, "a b", false},
	{"a@b@c.service", "b@c", false},
	{"app@-x.service", "/x", false},
	{"app@.service", "", fail},
	{"app.service", "", fail},
	{`app@\q.service`, "", fail},
}

// systemd-escape --mangle
var mangleTable = []conv{
	{"foo", "foo.service", false},
	{"foo.service", "foo.service", false},
	{"foo bar", `foo\x20bar.service`, false},
	{"/dev/sda", "dev-sda.device", false},
	{"/dev/sda1/", "dev-sda1.device", false},
	{"/sys/class/net", "sys-class-net.device", false},
	{"/home/x", "home-x.mount", false},
	{"/dev", "dev.mount", false},
	{"/dev/.", "dev.mount", false},
	{"/dev/..", "-dev-...service", false},
	{"/", "-.mount", false},
	{"/home/../x", "-home-..-x.service", false},
	{"foo*", `foo\x2a.service`, false},
	{"[abc]", `\x5babc\x5d.service`, false},
	{"foo.bar", "foo.bar.service", false},
	{"x.service.service", "x.service.service", false},
	{".foo", ".foo.service", false},
	{`a\b`, `a\b.service`, false},
	{"a@", "a@.service", false},
	{"a@b.service", "a@b.service", false},
	{"a@b@c", "a@b@c.service", false},
	{"-", "-.service", false},
	{"é", `\xc3\xa9.service`, false},
	{"x/y", "x-y.service", false},
	{"unit:with:colons", "unit:with:colons.service", false},
	{"@foo", "", fail},
	{
		"/x/" + strings.Repeat("a-", 60),
		`x-` + strings.Repeat(`a\x2d`, 46) + `_14d05f2e2a2157f6.mount`,
		false,
	},
	{
		"/dev/" + strings.Repeat("a-", 60),
		`dev-` + strings.Repeat(`a\x2d`, 45) + `a\_d47143157e924b15.device`,
		false,
	},
}

// escapeMode is one way of running systemd-escape, with the function of
// ours that should give the same answers.
type escapeMode struct {
	name  string
	flags []string
	table []conv
	ours  func(in string) (string, error)

	// compare, if set, replaces the exact comparison of our answer with
	// systemd-escape's.
	compare func(tb testing.TB, a answers)

	// corpus makes n more inputs for the differential test.
	corpus func(r *rand.Rand, n int) []string
}

// answers holds what we and systemd-escape made of one input.
type answers struct {
	in  string
	got string
	err error

	want string
	ok   bool
}

func (m escapeMode) check(tb testing.TB, in, want string, ok bool) {
	tb.Helper()

	got, err := m.ours(in)
	a := answers{in: in, got: got, err: err, want: want, ok: ok}
	if m.compare != nil {
		m.compare(tb, a)
		return
	}

	compareExact(tb, a)
}

var escapeModes = []escapeMode{
	{
		name: "escape", table: escapeTable, corpus: stringCorpus,
		ours: func(s string) (string, error) { return Escape(s), nil },
	},
	{
		name: "unescape", flags: []string{"--unescape"}, table: unescapeTable,
		ours: Unescape, corpus: escapedCorpus,
	},
	{
		name: "path", flags: []string{"--path"}, table: escapePathTable,
		ours: EscapePath, corpus: pathCorpus,
	},
	{
		name: "unescape-path", flags: []string{"--path", "--unescape"}, table: unescapePathTable,
		ours: UnescapePath, compare: compareUnescapePath, corpus: escapedCorpus,
	},
	{
		name: "suffix", flags: []string{"--suffix=service"}, table: suffixTable,
		ours:    nameString(func(s string) (Name, error) { return NameFromString(s, TypeService) }),
		compare: compareLenient, corpus: stringCorpus,
	},
	{
		name: "path-suffix", flags: []string{"--path", "--suffix=mount"}, table: pathSuffixTable,
		ours:    nameString(func(p string) (Name, error) { return NameFromPath(p, TypeMount) }),
		compare: compareLenient, corpus: pathCorpus,
	},
	{
		name: "template", flags: []string{"--template=app@.service"}, table: templateTable,
		ours:   nameString(mustParseName("app@.service").WithEscapedInstance),
		corpus: stringCorpus,
	},
	{
		name: "path-template", flags: []string{"--template=systemd-fsck@.service", "--path"},
		table:  pathTemplateTable,
		ours:   nameString(mustParseName("systemd-fsck@.service").WithPathInstance),
		corpus: pathCorpus,
	},
	{
		name: "instance", flags: []string{"--unescape", "--instance"}, table: instanceTable,
		ours: unescapedInstance, corpus: nameCorpus,
	},
	{
		name: "mangle", flags: []string{"--mangle"}, table: mangleTable,
		ours:   nameString(func(s string) (Name, error) { return Mangle(s, TypeService) }),
		corpus: mixedCorpus,
	},
}

func TestSystemdEscapeTables(t *testing.T) {
	for _, m := range escapeModes {
		t.Run(m.name, func(t *testing.T) {
			for _, c := range m.table {
				m.check(t, c.in, c.want, !c.fail)
			}
		})
	}
}

// compareExact wants us to fail where systemd-escape failed and to give
// what it printed otherwise. systemd's C strings end at a NUL byte, so
// where our answer holds one, systemd printed only what came before it.
func compareExact(tb testing.TB, a answers) {
	tb.Helper()

	if !a.ok {
		assert.Error(tb, a.err, "input %q: systemd-escape refused it, we gave %q", a.in, a.got)
		assertTypedError(tb, a.err)
		return
	}

	if assert.NoError(tb, a.err, "input %q: systemd-escape gave %q", a.in, a.want) {
		got, _, _ := strings.Cut(a.got, "\x00")
		assert.Equal(tb, a.want, got, "input %q", a.in)
	}
}

// compareUnescapePath is compareExact, except where unescaping gives a NUL
// byte: systemd cuts the path there, UnescapePath refuses it.
func compareUnescapePath(tb testing.TB, a answers) {
	tb.Helper()

	if u, err := Unescape(a.in); err == nil && strings.Contains(u, "\x00") {
		assert.ErrorIs(tb, a.err, ErrInvalidPath, "input %q", a.in)
		return
	}

	compareExact(tb, a)
}

// compareLenient checks a function that builds a name where systemd-escape
// prints whatever the escaping gave: where that is a valid name, we must
// give the same; where it is too long, we may give the hashed name systemd
// itself would use; otherwise we must fail.
func compareLenient(tb testing.TB, a answers) {
	tb.Helper()

	switch {
	case !a.ok:
		assert.Error(tb, a.err, "input %q: systemd-escape refused it, we gave %q", a.in, a.got)
	case ValidateName(a.want) == nil:
		assert.NoError(tb, a.err, "input %q: systemd-escape gave %q", a.in, a.want)
		assert.Equal(tb, a.want, a.got, "input %q", a.in)
	case a.err == nil:
		assertHashedFrom(tb, a.want, mustParseName(a.got))
	default:
		assert.ErrorIs(tb, a.err, ErrInvalidName, "input %q", a.in)
	}
}

// assertHashedFrom checks that n is long, an invalid name too long by its
// length alone, shortened by hashing.
func assertHashedFrom(tb testing.TB, long string, n Name) {
	tb.Helper()

	require.Greater(tb, len(long), MaxNameLength, "%q is invalid and was not hashed into %q", long, n)
	assert.True(tb, n.isHashed(), "%q is not hashed", n)
	assert.Len(tb, n.String(), MaxNameLength)

	keep := strings.LastIndexByte(n.String(), '_')
	assert.Equal(tb, long[:keep], n.String()[:keep])
}

func assertTypedError(tb testing.TB, err error) {
	tb.Helper()

	if err == nil {
		return
	}

	for _, target := range []error{ErrInvalidName, ErrInvalidPath, ErrInvalidEscape} {
		if errors.Is(err, target) {
			return
		}
	}

	tb.Errorf("error %q matches none of the package's sentinels", err)
}

func nameString(f func(string) (Name, error)) func(string) (string, error) {
	return func(s string) (string, error) {
		n, err := f(s)
		return n.String(), err
	}
}

func unescapedInstance(s string) (string, error) {
	n, err := ParseName(s)
	if err != nil {
		return "", err
	}

	if !n.IsInstance() {
		return "", &NameError{Name: s, Reason: "not an instance"}
	}

	return Unescape(n.Instance())
}

func mustParseName(s string) Name {
	n, err := ParseName(s)
	if err != nil {
		panic(err)
	}

	return n
}

const systemdEscapeBinary = "/usr/bin/systemd-escape"

var corpusSize = flag.Int("escape.corpus", 300,
	"how many generated inputs TestSystemdEscapeDifferential tries in each mode")

// TestSystemdEscapeDifferential runs systemd-escape over the tables and
// over generated inputs, and wants our functions to agree with it byte for
// byte. It needs no running systemd, only the binary.
func TestSystemdEscapeDifferential(t *testing.T) {
	if _, err := os.Stat(systemdEscapeBinary); err != nil {
		t.Skipf("differential test needs %s: %v", systemdEscapeBinary, err)
	}

	n := *corpusSize
	if testing.Short() {
		n = min(n, 30)
	}
	major := systemdEscapeMajor(t)

	for i, m := range escapeModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()

			r := rand.New(rand.NewPCG(uint64(i), 252))
			inputs := append(tableInputs(m.table), m.corpus(r, n)...)
			for j, a := range askSystemdEscape(t, m, inputs) {
				if newerDotDotRule(major, m, inputs[j], a.ok) {
					continue
				}
				m.check(t, inputs[j], a.want, a.ok)
			}
		})
	}
}

// systemdEscapeMajor returns the major version systemd-escape reports.
func systemdEscapeMajor(tb testing.TB) int {
	tb.Helper()

	out, err := exec.Command(systemdEscapeBinary, "--version").Output()
	require.NoError(tb, err)
	var major int
	_, err = fmt.Sscanf(string(out), "systemd %d", &major)
	require.NoError(tb, err, "systemd-escape --version printed %q", out)
	return major
}

// newerDotDotRule reports the one known difference between the escaping
// rules this package follows (systemd 252's) and newer systemd's: from some
// version after 252, a ".." component at the root of a path is resolved
// ("/../x" is "/x") where 252 refuses any ".." component. Refusing stays
// the safer rule for user input, so such inputs are not compared.
func newerDotDotRule(major int, m escapeMode, in string, theirsOK bool) bool {
	if major <= 252 || !theirsOK {
		return false
	}
	_, err := m.ours(in)
	return err != nil && strings.Contains(err.Error(), `".." component`)
}

func tableInputs(table []conv) []string {
	var ins []string
	for _, c := range table {
		ins = append(ins, c.in)
	}

	return ins
}

// askSystemdEscape returns systemd-escape's answer to each input.
//
// Starting systemd-escape takes far longer than its work, so inputs that we
// expect it to take go to it in batches. It prints its answers separated by
// spaces, so a batch's output splits into exactly one part per input only
// when it took them all and no answer held a space; any other batch, and
// each input we expect it to refuse, is asked about alone.
func askSystemdEscape(tb testing.TB, m escapeMode, inputs []string) []answers {
	tb.Helper()

	all := make([]answers, len(inputs))
	var batch []int
	flush := func() {
		askBatch(tb, m.flags, inputs, batch, all)
		batch = batch[:0]
	}

	for i, in := range inputs {
		if _, err := m.ours(in); err != nil {
			all[i] = askOne(tb, m.flags, in)
			continue
		}

		if batch = append(batch, i); len(batch) == 32 {
			flush()
		}
	}
	flush()

	return all
}

func askBatch(tb testing.TB, flags []string, inputs []string, batch []int, all []answers) {
	tb.Helper()

	if len(batch) == 0 {
		return
	}

	args := make([]string, len(batch))
	for j, i := range batch {
		args[j] = inputs[i]
	}

	out, ok := runSystemdEscape(tb, flags, args...)
	parts := strings.Split(out, " ")
	if ok && len(parts) == len(batch) {
		for j, i := range batch {
			all[i] = answers{want: parts[j], ok: true}
		}

		return
	}

	for _, i := range batch {
		all[i] = askOne(tb, flags, inputs[i])
	}
}

func askOne(tb testing.TB, flags []string, in string) answers {
	tb.Helper()

	out, ok := runSystemdEscape(tb, flags, in)
	return answers{want: out, ok: ok}
}

// runSystemdEscape returns what systemd-escape printed for the inputs, or
// ok false if it exited with an error.
func runSystemdEscape(tb testing.TB, flags []string, inputs ...string) (string, bool) {
	tb.Helper()

	args := append(append(slices.Clone(flags), "--"), inputs...)
	out, err := exec.Command(systemdEscapeBinary, args...).Output()

	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return "", false
	}

	if err != nil {
		tb.Fatalf("run %s: %v", systemdEscapeBinary, err)
	}

	return strings.TrimSuffix(string(out), "\n"), true
}

// pieces are what the generated inputs are made of: the characters
// systemd's rules treat specially, escapes good and bad, UTF-8, control
// characters and bytes that are not UTF-8. Command line arguments cannot
// hold a NUL byte, so none has one.
var pieces = []string{
	"a", "Z", "0", "9", ":", "_", "-", "/", "//", ".", "..", "./", "@", `\`,
	`\x2d`, `\x2D`, `\x2f`, `\x00`, `\x`, `\xzz`, `\X41`, " ", "\t", "\n",
	"\x01", "\x1f", "\x7f", "\x80", "\xff", "é", "日本", "\u200b", "%", "*",
	"[", "~", "$", "service", ".service", ".mount", "dev", "sys",
}

func randomString(r *rand.Rand, maxPieces int) string {
	var b strings.Builder
	for range r.IntN(maxPieces + 1) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}

	return b.String()
}

// randomBytes is up to n random bytes other than NUL.
func randomBytes(r *rand.Rand, n int) string {
	b := make([]byte, r.IntN(n+1))
	for i := range b {
		b[i] = byte(1 + r.IntN(255))
	}

	return string(b)
}

func stringCorpus(r *rand.Rand, n int) []string {
	ins := []string{strings.Repeat("a", 247), strings.Repeat("a", 248), strings.Repeat("é", 70)}
	for i := range n {
		if i%4 == 0 {
			ins = append(ins, randomBytes(r, 16))
			continue
		}

		ins = append(ins, randomString(r, 10))
	}

	return ins
}

// escapedCorpus mixes escaped strings, most of which unescape, with raw
// ones, many of which do not.
func escapedCorpus(r *rand.Rand, n int) []string {
	ins := []string{
		strings.Repeat("a", 255), strings.Repeat("a", 256),
		strings.Repeat("a-", 2047) + "a", strings.Repeat("a-", 2048),
		strings.Repeat(`\x2d`, 3),
	}

	for i, s := range stringCorpus(r, n) {
		if i%2 == 0 {
			s = Escape(s)
		}

		ins = append(ins, s)
	}

	return ins
}

// pathCorpus is mostly absolute paths, some of them at systemd's limits.
func pathCorpus(r *rand.Rand, n int) []string {
	ins := []string{
		"/" + strings.Repeat("a", 255), "/" + strings.Repeat("a", 256),
		longPath(4095), longPath(4096), longPath(4096) + "/", "//" + longPath(4094),
		"/x/" + strings.Repeat("a-", 60), "/dev/" + strings.Repeat("b", 300),
	}

	for i := range n {
		var b strings.Builder
		if i%5 != 0 {
			b.WriteString("/")
		}

		for range r.IntN(5) {
			b.WriteString(randomString(r, 3))
			b.WriteString("/")
		}

		b.WriteString(randomString(r, 3))
		ins = append(ins, b.String())
	}

	return ins
}

// longPath is an absolute path of exactly n bytes, of components that are
// each short enough.
func longPath(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString("/" + strings.Repeat("p", min(200, n-b.Len()-1)))
	}

	return b.String()
}

// nameCorpus is strings shaped like unit names, with instances, several
// '@', bad types and bad characters.
func nameCorpus(r *rand.Rand, n int) []string {
	types := []string{".service", ".mount", ".socket", ".Service", ".foo", ".", ""}
	ins := []string{
		"a@" + strings.Repeat("b", 245) + ".service",
		"a@" + strings.Repeat("b", 246) + ".service",
	}

	for range n {
		s := randomString(r, 3)
		if r.IntN(3) > 0 {
			s += "@" + Escape(randomString(r, 3))
		}

		ins = append(ins, s+types[r.IntN(len(types))])
	}

	return ins
}

func mixedCorpus(r *rand.Rand, n int) []string {
	return append(append(nameCorpus(r, n/3), pathCorpus(r, n/3)...), stringCorpus(r, n/3)...)
}

func TestParseType(t *testing.T) {
	for _, name := range []string{
		"service", "mount", "swap", "socket", "target", "device",
		"automount", "timer", "path", "slice", "scope",
	} {
		t.Run(name, func(t *testing.T) {
			typ, err := ParseType(name)
			require.NoError(t, err)
			assert.Equal(t, name, typ.String())
		})
	}

	for _, bad := range []string{"", ".service", "Service", "services", "snapshot", "busname"} {
		t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
			_, err := ParseType(bad)
			assert.ErrorIs(t, err, ErrUnknownType)
		})
	}
}

func TestTypeStringUnknown(t *testing.T) {
	assert.Equal(t, "Type(0)", Type(0).String())
	assert.Equal(t, "Type(99)", Type(99).String())
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name     string
		prefix   string
		instance string
		typ      Type
		kind     string
	}{
		{"sshd.service", "sshd", "", TypeService, "plain"},
		{"getty@.service", "getty", "", TypeService, "template"},
		{"getty@tty1.service", "getty", "tty1", TypeService, "instance"},
		{"a@b@c.service", "a", "b@c", TypeService, "instance"},
		{"app@v1.conf.socket", "app", "v1.conf", TypeSocket, "instance"},
		{"var-lib.mount", "var-lib", "", TypeMount, "plain"},
		{"-.mount", "-", "", TypeMount, "plain"},
		{"-.slice", "-", "", TypeSlice, "plain"},
		{".foo.service", ".foo", "", TypeService, "plain"},
		{"x.service.service", "x.service", "", TypeService, "plain"},
		{`dev-disk-by\x2dlabel.device`, `dev-disk-by\x2dlabel`, "", TypeDevice, "plain"},
		{strings.Repeat("a", 247) + ".service", strings.Repeat("a", 247), "", TypeService, "plain"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseName(tt.name)
			require.NoError(t, err)
			require.NoError(t, ValidateName(tt.name))

			assert.Equal(t, tt.name, n.String())
			assert.Equal(t, tt.prefix, n.Prefix())
			assert.Equal(t, tt.instance, n.Instance())
			assert.Equal(t, tt.typ, n.Type())
			assert.Equal(t, tt.kind == "plain", n.IsPlain())
			assert.Equal(t, tt.kind == "template", n.IsTemplate())
			assert.Equal(t, tt.kind == "instance", n.IsInstance())
		})
	}
}

var invalidNames = []struct {
	name   string
	reason string
}{
	{"", "empty"},
	{strings.Repeat("a", 248) + ".service", "256 bytes long, more than 255"},
	{"sshd", `no type suffix such as ".service"`},
	{".service", "nothing before the type suffix"},
	{"sshd.servce", `unknown type "servce"`},
	{"sshd.Service", `unknown type "Service"`},
	{"sshd.", `unknown type ""`},
	{"a.serv@ice", `unknown type "serv@ice"`},
	{"my app.service", `character " " at byte 2 is not allowed`},
	{"caf\xc3\xa9.service", `character "\xc3" at byte 3 is not allowed`},
	{"a\x00.service", `character "\x00" at byte 1 is not allowed`},
	{"a/b.service", `character "/" at byte 1 is not allowed`},
	{"@.service", `empty prefix before "@"`},
	{"@foo.service", `empty prefix before "@"`},
}

func TestParseNameInvalid(t *testing.T) {
	for _, tt := range invalidNames {
		t.Run(fmt.Sprintf("%q", tt.name), func(t *testing.T) {
			n, err := ParseName(tt.name)
			assert.Zero(t, n)
			require.ErrorIs(t, err, ErrInvalidName)

			var ne *NameError
			require.ErrorAs(t, err, &ne)
			assert.Equal(t, tt.name, ne.Name)
			assert.Equal(t, tt.reason, ne.Reason)
			assert.Equal(t, fmt.Sprintf("invalid unit name %q: %s", tt.name, tt.reason), err.Error())

			assert.Equal(t, err, ValidateName(tt.name))
		})
	}
}

func TestZeroName(t *testing.T) {
	var n Name
	assert.Empty(t, n.String())
	assert.False(t, n.IsPlain())
	assert.False(t, n.IsTemplate())
	assert.False(t, n.IsInstance())

	_, err := n.Template()
	assert.ErrorIs(t, err, ErrInvalidName)

	_, err = n.WithInstance("x")
	assert.ErrorIs(t, err, ErrInvalidName)
}

func TestTemplate(t *testing.T) {
	tests := []struct{ name, want string }{
		{"app@v1.service", "app@.service"},
		{"app@.service", "app@.service"},
		{"a@b@c.timer", "a@.timer"},
		{"app@v1.conf.service", "app@.service"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := mustParseName(tt.name).Template()
			require.NoError(t, err)
			assert.Equal(t, mustParseName(tt.want), tmpl)
			assert.True(t, tmpl.IsTemplate())
		})
	}

	_, err := mustParseName("sshd.service").Template()
	assert.ErrorIs(t, err, ErrInvalidName)
}

func TestWithInstance(t *testing.T) {
	tests := []struct{ template, instance, want string }{
		{"app@.service", "v1.conf", "app@v1.conf.service"},
		{"app@old.service", "new", "app@new.service"},
		{"app@.service", "a@b", "app@a@b.service"},
		{"app@.service", `a\x20b`, `app@a\x20b.service`},
		{"app@.service", strings.Repeat("i", 243), "app@" + strings.Repeat("i", 243) + ".service"},
	}

	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			n, err := mustParseName(tt.template).WithInstance(tt.instance)
			require.NoError(t, err)
			assert.Equal(t, tt.want, n.String())
			assert.True(t, n.IsInstance())
			assert.Equal(t, tt.instance, n.Instance())
		})
	}
}

func TestWithInstanceInvalid(t *testing.T) {
	tests := []struct{ template, instance, errName, reason string }{
		{"sshd.service", "x", "sshd.service", "neither a template nor an instance, so it takes no instance"},
		{"app@.service", "", "app@.service", "new instance is empty"},
		{"app@.service", "a b", "app@a b.service", `character " " at byte 5 is not allowed`},
		{"app@.service", "../x", "app@../x.service", `character "/" at byte 6 is not allowed`},
		{"app@.service", strings.Repeat("i", 244), "app@" + strings.Repeat("i", 244) + ".service", "256 bytes long, more than 255"},
	}

	for _, tt := range tests {
		t.Run(tt.instance, func(t *testing.T) {
			_, err := mustParseName(tt.template).WithInstance(tt.instance)

			var ne *NameError
			require.ErrorAs(t, err, &ne)
			assert.Equal(t, tt.errName, ne.Name)
			assert.Equal(t, tt.reason, ne.Reason)
		})
	}
}

// TestWithEscapedInstanceInjection feeds instances that would change the
// name's prefix or type if they were not escaped.
func TestWithEscapedInstanceInjection(t *testing.T) {
	tmpl := mustParseName("app@.service")
	for _, in := range []string{"x.socket", "evil@other", "../../etc/passwd", ".hidden", "a\nb", "-"} {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			n, err := tmpl.WithEscapedInstance(in)
			require.NoError(t, err)

			back, err := n.Template()
			require.NoError(t, err)
			assert.Equal(t, tmpl, back)
			assert.Equal(t, TypeService, n.Type())

			got, err := Unescape(n.Instance())
			require.NoError(t, err)
			assert.Equal(t, in, got)
		})
	}
}

func TestNameFromPathHashed(t *testing.T) {
	long := "/srv/" + strings.Repeat("x", 250) + "/data"

	n, err := NameFromPath(long, TypeMount)
	require.NoError(t, err)
	assert.Len(t, n.String(), MaxNameLength)
	assert.True(t, n.isHashed())

	_, err = n.Path()
	assert.ErrorIs(t, err, ErrHashedName)
}

func TestNameFromUnknownType(t *testing.T) {
	_, err := NameFromString("x", 0)
	assert.ErrorIs(t, err, ErrUnknownType)

	_, err = NameFromPath("/x", 42)
	assert.ErrorIs(t, err, ErrUnknownType)

	_, err = Mangle("x", 0)
	assert.ErrorIs(t, err, ErrUnknownType)
}

func TestNamePath(t *testing.T) {
	tests := []struct{ name, want string }{
		{"var-lib.mount", "/var/lib"},
		{"-.mount", "/"},
		{`home-user-.cache.mount`, "/home/user/.cache"},
		{`dev-disk-by\x2dlabel-root.device`, "/dev/disk/by-label/root"},
		{"systemd-fsck@dev-sda1.service", "/systemd/fsck"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustParseName(tt.name).Path()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	_, err := mustParseName("a--b.mount").Path()
	assert.ErrorIs(t, err, ErrInvalidPath)
}

func TestEscapeErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{
			err:  second(Unescape(`ab\q`)),
			want: `unescape "ab\\q": invalid escape sequence "\\q" at byte 2`,
		},
		{
			err:  second(EscapePath("/a/../b")),
			want: `escape path "/a/../b": invalid path (".." component)`,
		},
		{
			err:  second(EscapePath("/a\x00b")),
			want: `escape path "/a\x00b": invalid path (NUL byte)`,
		},
		{
			err:  second(EscapePath("./.")),
			want: `escape path "./.": invalid path (only "." components)`,
		},
		{
			err:  second(UnescapePath("a--b")),
			want: `unescape path "a--b": invalid path (empty component)`,
		},
		{
			err:  second(UnescapePath(`a\x00`)),
			want: `unescape path "a\\x00": invalid path (NUL byte)`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.EqualError(t, tt.err, tt.want)
		})
	}
}

func second[T any](_ T, err error) error {
	return err
}

func TestSipHash24(t *testing.T) {
	// The test vector from appendix A of the SipHash paper.
	var key [16]byte
	msg := make([]byte, 15)
	for i := range key {
		key[i] = byte(i)
	}
	for i := range msg {
		msg[i] = byte(i)
	}

	assert.Equal(t, uint64(0xa129ca6149be45e5), sipHash24(key, msg))
}
