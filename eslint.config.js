import neostandard, { plugins } from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'tmp/**', 'node_modules/**', 'docs/**']
  }),
  {
    plugins: { '@stylistic': plugins['@stylistic'] },
    rules: {
      // Lines of at most 120 characters; a long string, template or URL may run on rather than be cut.
      '@stylistic/max-len': ['error', { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
      // One way to write a type literal's members: commas on one line, nothing at line ends.
      '@stylistic/member-delimiter-style': ['error', { multiline: { delimiter: 'none' }, singleline: { delimiter: 'comma', requireLast: false } }]
    }
  }
]
