import type { CommandModule } from 'yargs';
import distillLosses from './distill-losses.js';
import evalCommand from './eval.js';
import exportCommand from './export.js';
import predict from './predict.js';
import tokenize from './tokenize.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [exportCommand, distillLosses, evalCommand, predict, tokenize];
