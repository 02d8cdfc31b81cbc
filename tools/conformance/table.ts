// Prints the README's conformance table (family × variant × status) from the case list that
// src/engine/conformance.test.ts runs. usage: npx tsx tools/conformance/table.ts
import { conformanceTable } from '../../src/engine/testing/conformanceCases';

console.log(conformanceTable());
