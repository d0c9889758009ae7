package run

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"

	"github.com/godbus/dbus/v5"

	"github.com/gostemd/gostemd/internal/bus"
)

// D-Bus properties for the unit's standard streams. A descriptor property
// passes a file descriptor along with the StartTransientUnit call; systemd
// keeps a copy until the unit stops.
const (
	stdinFD  = "StandardInputFileDescriptor"
	stdoutFD = "StandardOutputFileDescriptor"
	stderrFD = "StandardErrorFileDescriptor"
)

// stdioProperties turns Stdin, Stdout and Stderr into the unit's
// properties, as descriptors passed to systemd (see stdioFiles).
func (c *Cmd) stdioProperties() ([]bus.Property, error) {
	in, out, errFile, err := c.stdioFiles()
	if err != nil {
		return nil, err
	}

	var props []bus.Property
	if in != nil {
		props = append(props, fdProperty(stdinFD, in))
	}
	props = append(props, outputProperty(stdoutFD, "StandardOutput", out))
	props = append(props, outputProperty(stderrFD, "StandardError", errFile))
	return props, nil
}

// stdioFiles returns the files for the standard streams, nil where there
// are none. An *os.File is used as it is; any other reader or writer gets
// a pipe whose other end a goroutine serves, started by Start.
func (c *Cmd) stdioFiles() (in, out, errFile *os.File, err error) {
	if in, err = c.stdin(); err != nil {
		return nil, nil, nil, err
	}
	if out, err = c.writer(c.Stdout); err != nil {
		return nil, nil, nil, err
	}

	errFile = out
	if !sameWriter(c.Stderr, c.Stdout) {
		if errFile, err = c.writer(c.Stderr); err != nil {
			return nil, nil, nil, err
		}
	}
	return in, out, errFile, nil
}

// sameWriter tells whether Stdout and Stderr are one writer, which then
// gets one pipe, so that their output interleaves as written.
func sameWriter(a, b io.Writer) bool {
	return a != nil && b != nil && interfaceEqual(a, b)
}

// interfaceEqual compares two writers without panicking on writers of
// types that cannot be compared.
func interfaceEqual(a, b any) (eq bool) {
	defer func() { _ = recover() }()
	return a == b
}

func fdProperty(name string, f *os.File) bus.Property {
	return bus.Property{Name: name, Value: dbus.MakeVariant(dbus.UnixFD(f.Fd()))}
}

// outputProperty sends output without a file to the journal, systemd's own
// default for services, rather than letting stderr follow stdout.
func outputProperty(fdName, name string, f *os.File) bus.Property {
	if f == nil {
		return bus.Property{Name: name, Value: dbus.MakeVariant("journal")}
	}
	return fdProperty(fdName, f)
}

// stdin returns the file the unit reads, nil for none (systemd then gives it
// /dev/null).
func (c *Cmd) stdin() (*os.File, error) {
	if c.Stdin == nil {
		return nil, nil
	}
	if f, ok := c.Stdin.(*os.File); ok {
		return f, nil
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.closeAfterStart = append(c.closeAfterStart, pr)
	c.closeAfterWait = append(c.closeAfterWait, pw)
	c.copiers = append(c.copiers, func() error {
		_, err := io.Copy(pw, c.Stdin)
		if skipStdinCopyError(err) {
			err = nil
		}
		if err1 := pw.Close(); err == nil {
			err = err1
		}
		return err
	})
	return pr, nil
}

// skipStdinCopyError reports errors that only say the unit stopped reading,
// which os/exec ignores too.
func skipStdinCopyError(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, fs.ErrClosed)
}

// writer returns the file the unit writes to for w, nil for none.
func (c *Cmd) writer(w io.Writer) (*os.File, error) {
	if w == nil {
		return nil, nil
	}
	if f, ok := w.(*os.File); ok {
		return f, nil
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.closeAfterStart = append(c.closeAfterStart, pw)
	c.closeAfterWait = append(c.closeAfterWait, pr)
	c.copiers = append(c.copiers, func() error {
		_, err := io.Copy(w, pr)
		pr.Close()
		return err
	})
	return pw, nil
}

// StdinPipe returns a pipe connected to the unit's standard input once it
// starts. Wait closes the pipe after the unit has stopped; the caller may
// close it earlier to send EOF.
func (c *Cmd) StdinPipe() (io.WriteCloser, error) {
	if c.Stdin != nil {
		return nil, errors.New("run: Stdin already set")
	}
	if c.started {
		return nil, errors.New("run: StdinPipe after unit started")
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.Stdin = pr
	c.closeAfterStart = append(c.closeAfterStart, pr)
	wc := &closeOnce{File: pw}
	c.closeAfterWait = append(c.closeAfterWait, wc)
	return wc, nil
}

// StdoutPipe returns a pipe connected to the unit's standard output once it
// starts. Wait closes it after the unit has stopped, so all reads must be
// done before calling Wait, as with os/exec.
func (c *Cmd) StdoutPipe() (io.ReadCloser, error) {
	if c.Stdout != nil {
		return nil, errors.New("run: Stdout already set")
	}
	if c.started {
		return nil, errors.New("run: StdoutPipe after unit started")
	}
	return c.outputPipe(&c.Stdout)
}

// StderrPipe is StdoutPipe for standard error.
func (c *Cmd) StderrPipe() (io.ReadCloser, error) {
	if c.Stderr != nil {
		return nil, errors.New("run: Stderr already set")
	}
	if c.started {
		return nil, errors.New("run: StderrPipe after unit started")
	}
	return c.outputPipe(&c.Stderr)
}

func (c *Cmd) outputPipe(w *io.Writer) (io.ReadCloser, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	*w = pw
	c.closeAfterStart = append(c.closeAfterStart, pw)
	c.closeAfterWait = append(c.closeAfterWait, pr)
	return pr, nil
}

// closeOnce lets both the caller and Wait close a pipe.
type closeOnce struct {
	*os.File

	once sync.Once
	err  error
}

func (c *closeOnce) Close() error {
	c.once.Do(func() { c.err = c.File.Close() })
	return c.err
}

// saver keeps the start and the end of what is written to it, up to half of
// max each, as os/exec does for ExitError.Stderr.
type saver struct {
	max     int
	head    []byte
	tail    []byte
	skipped int64
}

func (s *saver) Write(p []byte) (int, error) {
	n := len(p)
	if room := s.max/2 - len(s.head); room > 0 {
		k := min(room, len(p))
		s.head = append(s.head, p[:k]...)
		p = p[k:]
	}

	s.tail = append(s.tail, p...)
	if over := len(s.tail) - s.max/2; over > 0 {
		s.skipped += int64(over)
		s.tail = append(s.tail[:0], s.tail[over:]...)
	}
	return n, nil
}

func (s *saver) Bytes() []byte {
	if s.skipped == 0 {
		return append(s.head, s.tail...)
	}
	out := append([]byte{}, s.head...)
	out = append(out, "\n... omitting bytes ...\n"...)
	return append(out, s.tail...)
}
