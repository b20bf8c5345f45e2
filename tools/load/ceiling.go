package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// ceilingEnv, when set, makes this program the bare gin server of the
// ceiling run instead of the load test.
const ceilingEnv = "IPMATCH_LOAD_CEILING_SERVER"

// ceilingPath is the bare gin server's one route.
const ceilingPath = "/ping"

// serveCeiling serves the bare gin handler on a free loopback port,
// printing "ceiling listening on URL" to stdout, until SIGTERM or SIGINT.
func serveCeiling(stdout io.Writer) error {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET(ceilingPath, func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok", "service": "ceiling"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "ceiling listening on http://%s\n", ln.Addr())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
