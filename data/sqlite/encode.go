package sqlite

import (
	"encoding/json"
	"errors"
	"sync/atomic"
)

// encodeChunk is how many records the encoder hands over at a time.
const encodeChunk = 32

// encoder turns records into JSON on its own goroutine, ahead of the
// writer, so that a large Put uses a second core for encoding while the
// first one runs SQLite. Small batches are encoded inline.
type encoder[T any] struct {
	recs   []*T
	bodies []string
	errs   []error
	ready  chan int // indexes of encoded chunks, in order
	done   int      // chunks received so far
	halt   atomic.Bool
}

// encodeAhead starts encoding recs. The caller must call stop before it
// touches recs again.
func encodeAhead[T any](recs []*T) *encoder[T] {
	e := &encoder[T]{recs: recs, bodies: make([]string, len(recs)), errs: make([]error, len(recs))}
	if len(recs) < 2*encodeChunk {
		return e
	}
	e.ready = make(chan int, (len(recs)+encodeChunk-1)/encodeChunk)
	go func() {
		defer close(e.ready)
		for c := 0; c*encodeChunk < len(recs); c++ {
			if e.halt.Load() {
				return
			}
			for i := c * encodeChunk; i < min(len(recs), (c+1)*encodeChunk); i++ {
				e.bodies[i], e.errs[i] = encode(recs[i])
			}
			e.ready <- c
		}
	}()
	return e
}

// get returns the JSON of record i; calls must come in index order.
func (e *encoder[T]) get(i int) (string, error) {
	if e.ready == nil {
		return encode(e.recs[i])
	}
	for e.done*encodeChunk <= i {
		if _, ok := <-e.ready; !ok {
			return "", errors.New("encoder stopped") // only after stop
		}
		e.done++
	}
	return e.bodies[i], e.errs[i]
}

// stop halts the encoding goroutine and waits for it to finish.
func (e *encoder[T]) stop() {
	if e.ready == nil {
		return
	}
	e.halt.Store(true)
	for range e.ready {
	}
}

func encode[T any](rec *T) (string, error) {
	b, err := json.Marshal(rec)
	return string(b), err
}
