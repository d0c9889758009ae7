package property

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// whitespace is what systemd's word splitter treats as blank by default.
const whitespace = " \t\n\r"

// splitFlags choose how words are read, after systemd's extract_first_word.
type splitFlags uint

const (
	// unquote removes single and double quotes, keeping what they enclose.
	unquote splitFlags = 1 << iota
	// unescapeC decodes C escapes (\n, \x41, \u00e9, ...) after a backslash;
	// without it a backslash keeps the next byte as it is.
	unescapeC
	// keepEmpty makes every separator end a word, so that two separators in
	// a row yield an empty word.
	keepEmpty
)

var errSyntax = errors.New("bad quoting or escaping")

// words reads a string word by word. Its zero rest with done set means
// that the input is used up.
type words struct {
	rest string
	done bool

	// lastSep is the separator that ended the last word with keepEmpty.
	lastSep byte
}

// next returns the next word. ok is false when there is none left.
func (w *words) next(seps string, flags splitFlags) (word string, ok bool, err error) {
	if w.done {
		return "", false, nil
	}
	if seps == "" {
		seps = whitespace
	}

	var b strings.Builder
	if !w.skipSeparators(seps, flags) {
		// keepEmpty returns the empty word before a separator or the end.
		return "", flags&keepEmpty != 0, nil
	}

	for {
		if w.rest == "" {
			w.done = true
			return b.String(), true, nil
		}
		c := w.rest[0]
		switch {
		case c == '\\':
			if err := w.escape(&b, flags); err != nil {
				return "", false, err
			}
		case (c == '\'' || c == '"') && flags&unquote != 0:
			if err := w.quoted(&b, c, flags); err != nil {
				return "", false, err
			}
		case strings.IndexByte(seps, c) >= 0:
			w.endWord(seps, flags)
			return b.String(), true, nil
		default:
			b.WriteByte(c)
			w.rest = w.rest[1:]
		}
	}
}

// skipSeparators moves to the start of the next word and reports whether
// there is one. With keepEmpty, a leading separator ends an empty word.
func (w *words) skipSeparators(seps string, flags splitFlags) bool {
	if flags&keepEmpty != 0 {
		switch {
		case w.rest == "":
			w.done = true
			return false
		case strings.IndexByte(seps, w.rest[0]) >= 0:
			w.lastSep, w.rest = w.rest[0], w.rest[1:]
			return false
		}
		return true
	}

	w.rest = strings.TrimLeft(w.rest, seps)
	if w.rest == "" {
		w.done = true
		return false
	}
	return true
}

// endWord consumes the separators after a word.
func (w *words) endWord(seps string, flags splitFlags) {
	if flags&keepEmpty != 0 {
		w.lastSep, w.rest = w.rest[0], w.rest[1:]
		return
	}

	w.rest = strings.TrimLeft(w.rest, seps)
	if w.rest == "" {
		w.done = true
	}
}

// quoted copies a quoted part of a word, without its quotes.
func (w *words) quoted(b *strings.Builder, quote byte, flags splitFlags) error {
	w.rest = w.rest[1:]
	for {
		switch {
		case w.rest == "":
			return errSyntax
		case w.rest[0] == quote:
			w.rest = w.rest[1:]
			return nil
		case w.rest[0] == '\\':
			if err := w.escape(b, flags); err != nil {
				return err
			}
		default:
			b.WriteByte(w.rest[0])
			w.rest = w.rest[1:]
		}
	}
}

// escape decodes the backslash sequence at the start of rest.
func (w *words) escape(b *strings.Builder, flags splitFlags) error {
	if len(w.rest) < 2 {
		return errSyntax
	}
	if flags&unescapeC == 0 {
		b.WriteByte(w.rest[1])
		w.rest = w.rest[2:]
		return nil
	}

	n, err := unescapeOne(b, w.rest[1:])
	if err != nil {
		return err
	}
	w.rest = w.rest[1+n:]
	return nil
}

// simpleEscapes maps the one-letter C escapes to their bytes.
var simpleEscapes = map[byte]byte{
	'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
	'\\': '\\', '"': '"', '\'': '\'', 's': ' ',
}

// unescapeOne decodes one C escape (without its backslash) at the start of
// s into b and returns its length. NUL is refused, as systemd does.
func unescapeOne(b *strings.Builder, s string) (int, error) {
	if c, ok := simpleEscapes[s[0]]; ok {
		b.WriteByte(c)
		return 1, nil
	}

	switch c := s[0]; {
	case c == 'x':
		v, ok := digits(s[1:], 2, 16)
		if !ok || v == 0 {
			return 0, errSyntax
		}
		b.WriteByte(byte(v))
		return 3, nil
	case c == 'u' || c == 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		v, ok := digits(s[1:], n, 16)
		if !ok || v == 0 || (c == 'U' && !utf8.ValidRune(rune(v))) {
			return 0, errSyntax
		}
		b.WriteString(encodeRune(v))
		return n + 1, nil
	case c >= '0' && c <= '7':
		v, ok := digits(s, 3, 8)
		if !ok || v == 0 || v > 255 {
			return 0, errSyntax
		}
		b.WriteByte(byte(v))
		return 3, nil
	}
	return 0, errSyntax
}

// encodeRune encodes v as UTF-8 the way systemd does, surrogates included;
// the result is then refused as invalid UTF-8 by the caller's checks.
func encodeRune(v uint32) string {
	if utf8.ValidRune(rune(v)) {
		return string(rune(v))
	}
	// A surrogate: three bytes that are not valid UTF-8.
	return string([]byte{0xe0 | byte(v>>12), 0x80 | byte(v>>6)&0x3f, 0x80 | byte(v)&0x3f})
}

// digits reads exactly n digits of the given base at the start of s.
func digits(s string, n int, base uint32) (uint32, bool) {
	if len(s) < n {
		return 0, false
	}

	var v uint32
	for i := range n {
		d, ok := digitValue(s[i])
		if !ok || d >= base {
			return 0, false
		}
		v = v*base + d
	}
	return v, true
}

func digitValue(c byte) (uint32, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint32(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint32(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint32(c-'A') + 10, true
	}
	return 0, false
}

// splitWords splits s into all its words.
func splitWords(s, seps string, flags splitFlags) ([]string, error) {
	w := words{rest: s}
	var out []string
	for {
		word, ok, err := w.next(seps, flags)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, word)
	}
}

// Quote returns word as text that the word splitter reads back as this one
// word, quoting it when it is empty or holds blanks, quotes, backslashes or
// any of extra.
func Quote(word, extra string) string {
	if word != "" && !strings.ContainsAny(word, whitespace+`"'\`+extra) {
		return word
	}
	return quote(word)
}

func quote(word string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := range len(word) {
		if word[i] == '"' || word[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(word[i])
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteCommand quotes a command line like QuoteAll, and also quotes a first
// word that starts with a character that would count as a command prefix.
func QuoteCommand(argv []string) string {
	s := QuoteAll(argv, "")
	if len(argv) > 0 && argv[0] != "" && strings.IndexByte("-@:+!", argv[0][0]) >= 0 &&
		!strings.HasPrefix(s, `"`) {
		s = quote(argv[0]) + s[len(argv[0]):]
	}
	return s
}

// QuoteAll quotes each word and joins them with spaces.
func QuoteAll(words []string, extra string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = Quote(w, extra)
	}
	return strings.Join(quoted, " ")
}
