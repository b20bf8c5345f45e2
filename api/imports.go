package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// importRetryAfter is the Retry-After of an import refused because too many
// run: a few seconds, about what an import of a few MiB takes, so a client
// does not hammer the server meanwhile nor wait far longer than needed.
const importRetryAfter = 5 * time.Second

// importFile handles POST /api/v1/import/{kind}?format=jsonl|csv|cnipa-csv|cnipa-legal-csv
// with the raw file as the body. Query parameters owner_id and bank_id
// scope the import (see importScope). The answer is the data.ImportReport.
//
// One caller (an enterprise, a bank, the organizer's token) runs one import
// at a time, and at most Config.MaxConcurrentImports run at once; more get
// 429 with Retry-After. The body is spooled to a temporary file (at most
// MaxImportBytes) before anything is imported, so a file over the limit is
// refused with 413 and leaves the store untouched, while memory holds only
// the batch being written, whatever the file's size.
func (s *server) importFile(c *gin.Context) error {
	p := door.Caller(c)
	kind := c.Param("kind")
	params, err := app.Params(c.Request.URL.Query(), "format", "owner_id", "bank_id")
	if err != nil {
		return err
	}
	owner, bank, err := app.ImportScope(p, kind, params["owner_id"], params["bank_id"])
	if err != nil {
		return err
	}
	release, err := s.imports.acquire(importerKey(p))
	if err != nil {
		door.RefusedBy(c, "import")
		return err // with its Retry-After
	}
	defer release()
	body, err := s.spoolImport(c)
	if err != nil {
		return err
	}
	defer body.Close()
	rep, err := data.Import(c.Request.Context(), s.Store(), bufio.NewReaderSize(body, 1<<20), data.ImportOptions{
		Kind: kind, Format: params["format"], OwnerEnterpriseID: owner, BankID: bank,
		AssignOwners: p.Is(data.RoleOrganizer),
	})
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, rep)
	return nil
}

// spooledImport is an import body in a temporary file, removed on Close.
type spooledImport struct{ *os.File }

func (f spooledImport) Close() error {
	err := f.File.Close()
	os.Remove(f.Name())
	return err
}

// spoolImport copies the import body to a temporary file, refusing more
// than MaxImportBytes, and returns the file read from its start.
func (s *server) spoolImport(c *gin.Context) (io.ReadCloser, error) {
	limit := s.Cfg.MaxImportBytes
	if c.Request.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	f, err := os.CreateTemp(s.Cfg.ImportSpoolDir, "ipmatch-import-*")
	if err != nil {
		return nil, fmt.Errorf("import: spooling the body: %w", err)
	}
	spool := spooledImport{f}
	_, err = io.Copy(f, http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
		if err != nil {
			err = fmt.Errorf("import: spooling the body: %w", err)
		}
	} else {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			err = data.Errorf(data.CodeMalformed, "could not read the request body")
		}
	}
	if err != nil {
		spool.Close()
		return nil, err
	}
	return spool, nil
}

// importerKey names the party an import runs for: an enterprise or bank
// whatever its token, so that several tokens do not run several imports.
func importerKey(p *app.Caller) string {
	switch p.Token.Role {
	case data.RoleCompany:
		return "enterprise:" + p.Token.EnterpriseID
	case data.RoleBank:
		return "bank:" + p.Token.BankID
	}
	return "token:" + p.Token.ID
}

// importSlots limits the imports running at once: one per party, max in
// all.
type importSlots struct {
	mu      sync.Mutex
	max     int
	running map[string]bool
}

func newImportSlots(max int) *importSlots {
	return &importSlots{max: max, running: map[string]bool{}}
}

// acquire takes a slot for party key, or fails as rate limited; release
// gives it back.
func (l *importSlots) acquire(key string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[key] {
		return nil, data.Busy(importRetryAfter, "an import of yours is running; try again when it ends (in %d seconds or so)", data.RetrySeconds(importRetryAfter))
	}
	if len(l.running) >= l.max {
		return nil, data.Busy(importRetryAfter, "%d imports are running, the most the server runs at once; try again in %d seconds", l.max, data.RetrySeconds(importRetryAfter))
	}
	l.running[key] = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.running, key)
	}, nil
}
