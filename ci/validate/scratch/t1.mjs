import jsyaml from 'js-yaml';
const src = `a: 1
b:
  c: 2
  d: 3
  c: 4
`;
try { jsyaml.load(src); } catch (e) { console.log(e.reason, e.mark.line, e.mark.column, e.mark.position); }
try { jsyaml.load("a: [1, 2\nb: 3\n"); } catch (e) { console.log(e.reason, e.mark.line, e.mark.column); }
try { jsyaml.load("a: b: c\n"); } catch (e) { console.log(e.reason, e.mark.line, e.mark.column); }
try { jsyaml.load("a:\n  - x\n   y: 2\n"); } catch (e) { console.log(e.reason, e.mark.line, e.mark.column); }
