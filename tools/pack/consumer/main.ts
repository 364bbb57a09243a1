// Node entry of the consumer project: `node out/main.js EPOCHS SAMPLES` prints the run as JSON.
import { blobs, trainClassifier } from './classifier.js';

const [epochs = '1', samples = '48'] = process.argv.slice(2);
const result = await trainClassifier(blobs(Number(samples), 1), Number(epochs));
console.log(JSON.stringify(result));
