#!/usr/bin/env node
// The bin is this committed file rather than dist/cli/main.js: a package manager links bins at install time,
// before a workspace build has produced dist/.
import '../dist/cli/main.js';
