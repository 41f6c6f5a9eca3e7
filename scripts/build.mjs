#!/usr/bin/env node
// `npm run build`: the server and the SDK (incremental), then the web client unless it is up to date.
// `npm run build -- --force` rebuilds the web client whatever its sources' hash says.
import { build } from './setup.mjs';

build({ force: process.argv.includes('--force') });
