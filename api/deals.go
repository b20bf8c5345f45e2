package api

import (
	"context"
	"hash/fnv"
	"time"
	"unicode/utf8"

	"ipmatch/data"
)

// stageRequest is the body of POST /api/v1/deals/{id}/stage (served by
// eventHandlers.moveDeal in pool.go, which checks pool caps first).
type stageRequest struct {
	Stage data.Stage `json:"stage"`
	Note  string     `json:"note"`
}

// maxNoteRunes bounds the note of a stage change.
const maxNoteRunes = 2000

// move moves the deal id to req.Stage on behalf of p. A deal p may not see
// is not found; a move the stage machine refuses is a conflict.
func (s *server) move(ctx context.Context, p *principal, id string, req stageRequest, now time.Time) (*data.Deal, error) {
	if req.Stage == "" {
		return nil, invalidField("stage", "is required")
	}
	if utf8.RuneCountInString(req.Note) > maxNoteRunes {
		return nil, invalidField("note", "is longer than %d characters", maxNoteRunes)
	}
	mu := &s.moves[stripe(id, len(s.moves))]
	mu.Lock()
	defer mu.Unlock()

	deals := s.store.Deals()
	d, err := deals.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !dealVisible(p, &d) {
		return nil, data.DealKind.NotFound(id)
	}
	if err := canMoveDeal(p, &d); err != nil {
		return nil, err
	}
	if err := d.Move(req.Stage, p.by(), now, req.Note); err != nil {
		return nil, err
	}
	if _, err := deals.Put(ctx, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// stripe picks one of n locks for key.
func stripe(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}
