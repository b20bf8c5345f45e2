package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// importFile handles POST /api/v1/import/{kind}?format=jsonl|csv|cnipa-csv
// with the raw file as the body. Query parameters owner_id and bank_id
// scope the import (see importScope). The answer is the data.ImportReport.
//
// The body is read completely (at most MaxImportBytes) before anything is
// imported, so a file over the limit is refused with 413 and leaves the
// store untouched.
func (s *server) importFile(c *gin.Context) error {
	p := caller(c)
	kind := c.Param("kind")
	params := c.Request.URL.Query()
	for name := range params {
		switch name {
		case "format", "owner_id", "bank_id":
		default:
			return malformedField(name, "is not a known parameter; known: format, owner_id, bank_id")
		}
	}
	owner, bank, err := importScope(p, kind, params.Get("owner_id"), params.Get("bank_id"))
	if err != nil {
		return err
	}
	body, err := s.readImport(c)
	if err != nil {
		return err
	}
	rep, err := s.runImport(c.Request.Context(), body, data.ImportOptions{
		Kind: kind, Format: params.Get("format"), OwnerEnterpriseID: owner, BankID: bank,
	})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, rep)
	return nil
}

// readImport reads the whole import body, refusing more than
// MaxImportBytes.
func (s *server) readImport(c *gin.Context) ([]byte, error) {
	limit := s.cfg.MaxImportBytes
	if c.Request.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, data.Errorf(data.CodeMalformed, "could not read the request body")
	}
	return body, nil
}

// runImport imports body with opts.
func (s *server) runImport(ctx context.Context, body []byte, opts data.ImportOptions) (data.ImportReport, error) {
	return data.Import(ctx, s.store, bytes.NewReader(body), opts)
}
