package main

import (
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo describes this build, from the build info.
type versionInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

// versionString is the one-line version: "v1.2.0 (rev 1a2b3c4d5e6f, modified) go1.26.8 linux/amd64".
func versionString() string {
	v := buildVersion()
	s := v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if v.Modified {
			rev += ", modified"
		}
		s += " (rev " + rev + ")"
	}
	return s + " " + v.Go + " " + v.Platform
}

func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of sesstool, from its build information",
		Long: `Version prints sesstool's version, the VCS revision it was built from when
known, and the Go version and platform. "(devel)" means a build from a
source checkout rather than a tagged release.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return writeJSON(a.stdout, buildVersion())
			}
			return writeLine(a.stdout, "sesstool "+versionString())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the version information as a JSON object")
	return cmd
}
