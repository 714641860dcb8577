// Prints, as JSON, every function in the given JavaScript files with its name and length
// in lines (acorn's parse, as the browser would read the module): tests/test_function_length.py
// holds the limit.
import { readFileSync } from 'node:fs';
import { parse } from 'acorn';

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function nameOf(node, parent) {
  if (node.id) return node.id.name;
  if (parent?.type === 'VariableDeclarator') return parent.id.name;
  if (['MethodDefinition', 'Property', 'PropertyDefinition'].includes(parent?.type)) return parent.key.name ?? parent.key.value;
  if (parent?.type === 'AssignmentExpression') return parent.left.property?.name ?? parent.left.name;
  return '<anonymous>';
}

function walk(node, parent, found) {
  if (FUNCTIONS.has(node.type)) {
    found.push({ name: nameOf(node, parent), line: node.loc.start.line, lines: node.loc.end.line - node.loc.start.line + 1 });
  }
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child.type === 'string') walk(child, node, found);
    }
  }
}

const result = {};
for (const file of process.argv.slice(2)) {
  const tree = parse(readFileSync(file, 'utf8'), { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  walk(tree, null, (result[file] = []));
}
process.stdout.write(JSON.stringify(result));
