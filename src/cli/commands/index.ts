import type { CommandModule } from 'yargs';
import augment from './augment.js';
import create from './create.js';
import distill from './distill.js';
import distillLosses from './distill-losses.js';
import doctor from './doctor.js';
import evalCommand from './eval.js';
import exportCommand from './export.js';
import forward from './forward.js';
import inspect from './inspect.js';
import predict from './predict.js';
import report from './report.js';
import serve from './serve.js';
import tokenize from './tokenize.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [distill, create, inspect, forward, tokenize, exportCommand, distillLosses, evalCommand, predict, augment, report, serve, doctor];
