package eventlog

import "io"

// window is the input buffer both log scanners read through: the unread
// bytes are buf[start:end], and fill moves them to the front and reads
// more, growing the buffer when one record or element fills it.
type window struct {
	r          io.Reader
	buf        []byte
	start, end int
	eof        bool
	err        error
}

func (w *window) fill() {
	if w.eof {
		return
	}
	if w.start > 0 {
		w.end = copy(w.buf, w.buf[w.start:w.end])
		w.start = 0
	}
	if w.end == len(w.buf) {
		w.buf = append(w.buf, make([]byte, len(w.buf))...)
	}
	// A reader may return no bytes and no error; give it a few chances
	// before taking the buffer as it is.
	for tries := 0; ; tries++ {
		n, err := w.r.Read(w.buf[w.end:])
		w.end += n
		if err == io.EOF {
			w.eof = true
			return
		}
		if err != nil {
			w.err, w.eof = err, true
			return
		}
		if n > 0 || tries > 100 {
			return
		}
	}
}
