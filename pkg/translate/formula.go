/*
Copyright 2026 The serving-keda Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package translate

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// maxFormulaBytes bounds a scaling-modifiers formula; real ones are a line.
const maxFormulaBytes = 1024

// formulaOperators and formulaFunctions are what a scaling-modifiers formula
// may use: arithmetic, comparisons, logic and a few numeric functions over
// trigger values. KEDA's expression language can also build ranges, repeat
// strings and map over collections, which would let one annotation make the
// controller (and KEDA) allocate and loop without bound when the formula is
// compiled and run; nothing a formula over metrics needs.
var (
	formulaOperators = map[string]bool{
		"+": true, "-": true, "*": true, "/": true, "%": true, "**": true, "^": true,
		"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true,
		"&&": true, "||": true, "and": true, "or": true, "!": true, "not": true, "??": true,
	}
	formulaFunctions = map[string]bool{
		"min": true, "max": true, "abs": true, "ceil": true, "floor": true, "round": true, "float": true, "int": true,
	}
)

// checkFormula says why a formula is refused, or nil.
func checkFormula(formula string) error {
	if len(formula) > maxFormulaBytes {
		return fmt.Errorf("formula is %d bytes; at most %d are allowed", len(formula), maxFormulaBytes)
	}
	tree, err := parser.Parse(formula)
	if err != nil {
		return fmt.Errorf("formula does not parse: %v", err)
	}
	v := &formulaVisitor{}
	ast.Walk(&tree.Node, v)
	return v.refused
}

type formulaVisitor struct{ refused error }

func (v *formulaVisitor) Visit(node *ast.Node) {
	if v.refused != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NilNode, *ast.ConditionalNode:
	case *ast.UnaryNode:
		v.operator(n.Operator)
	case *ast.BinaryNode:
		v.operator(n.Operator)
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || !formulaFunctions[id.Value] {
			v.refused = fmt.Errorf("formula calls %s; only min, max, abs, ceil, floor, round, float and int are allowed", n.Callee.String())
		}
	case *ast.BuiltinNode:
		if !formulaFunctions[n.Name] {
			v.refused = fmt.Errorf("formula calls %s; only min, max, abs, ceil, floor, round, float and int are allowed", n.Name)
		}
	default:
		v.refused = fmt.Errorf("formula uses %q; only trigger names, numbers, arithmetic, comparisons, ?: and min, max, abs, ceil, floor, round, float, int are allowed", n.String())
	}
}

func (v *formulaVisitor) operator(op string) {
	if !formulaOperators[op] {
		v.refused = fmt.Errorf("formula uses the operator %q; only arithmetic, comparison and logic operators are allowed", op)
	}
}
