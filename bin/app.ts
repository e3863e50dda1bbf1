#!/usr/bin/env node
// The CDK app: `npx cdk synth` / `npx cdk deploy -c manifest=examples/tfserving-cifar10.yaml`.
// Everything it reads from the context is in lib/app.ts.
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.js';

buildApp(new App());
