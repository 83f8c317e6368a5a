/**
 * `tinybert doctor [--json]`: which engines (tensorflow via tfjs-node-gpu or tfjs-node, the native
 * addon, cpu) load here, why the others do not, and which one runs pick. Thin shell over `doctor`.
 */
import type { CommandModule } from 'yargs';
import { doctor, formatDoctor } from '../../backend/doctor.js';

interface DoctorArgs {
  json: boolean;
  backend?: string;
}

const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'Check the compute engines: which load (GPU, CPU TensorFlow, native addon, cpu), why not, which one is used',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of a table' }),
  handler: async (argv) => {
    const r = await doctor({ backend: argv.backend });
    process.stdout.write(argv.json ? `${JSON.stringify(r)}\n` : formatDoctor(r));
  },
};

export default doctorCommand;
