"""A read-model table stated once: a row dataclass whose fields are its columns.

Each field's Python type gives its column's SQL type and nullability (`str |
None` is a nullable `text`); `Annotated[int, SqlType("bigint")]` (`BigInt`)
says what the Python type cannot. From that one statement come the CREATE
TABLE with its key and indexes, the column list a batch selects and the COPY
that writes rows, so the DDL and the writing cannot drift apart while the fold
works on typed rows that mypy checks.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from psycopg import sql

from projections.runtime import Cursor, Tables

T = TypeVar("T")


@dataclass(frozen=True)
class SqlType:
    """The SQL type of a column where its Python type does not say it."""

    name: str


BigInt = Annotated[int, SqlType("bigint")]  # log positions outgrow integer

SQL_TYPES: Mapping[Any, str] = {
    str: "text",
    int: "integer",
    bool: "boolean",
    date: "date",
    datetime: "timestamptz",
    UUID: "uuid",
    list[str]: "text[]",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool

    def ddl(self) -> sql.Composed:
        return sql.SQL("{} {}{}").format(
            sql.Identifier(self.name),
            sql.SQL(self.type),
            sql.SQL("" if self.nullable else " NOT NULL"),
        )


def columns_of(row: type[Any]) -> tuple[Column, ...]:
    """The columns of a row dataclass, in the order of its fields."""
    hints = typing.get_type_hints(row, include_extras=True)
    return tuple(_column(f.name, hints[f.name]) for f in dataclasses.fields(row))


def _column(name: str, hint: Any) -> Column:
    args = typing.get_args(hint)
    nullable = (
        typing.get_origin(hint) in (typing.Union, types.UnionType)
        and type(None) in args
    )
    if nullable:
        (hint,) = (a for a in args if a is not type(None))
    declared = None
    if typing.get_origin(hint) is Annotated:
        hint, *extras = typing.get_args(hint)
        declared = next((e.name for e in extras if isinstance(e, SqlType)), None)
    sql_type = declared or SQL_TYPES.get(hint)
    if sql_type is None:
        msg = f"column {name!r}: no SQL type for {hint!r}; annotate it with SqlType"
        raise TypeError(msg)
    return Column(name, sql_type, nullable)


class Index:
    """An index of a table: its columns (with an operator class if need be,
    "unit_code text_pattern_ops"), partial with `where`. Its name follows the
    model and generation: `applications_g3_` + `name`, by default i0, i1, …
    in the order the table declares its unnamed indexes."""

    __slots__ = ("columns", "name", "where")

    def __init__(
        self, *columns: str, where: str | None = None, name: str | None = None
    ) -> None:
        self.columns = columns
        self.where = where
        self.name = name

    def ddl(self, table: sql.Composable, name: str) -> sql.Composed:
        statement = sql.SQL("CREATE INDEX {} ON {} ({})").format(
            sql.Identifier(name), table, sql.SQL(", ".join(self.columns))
        )
        if self.where is None:
            return statement
        return sql.SQL("{} WHERE {}").format(statement, sql.SQL(self.where))


class Table(Generic[T]):
    """One table of a read model: rows of dataclass `T`, named by `part` among
    the model's tables ("" for its main table, "deadlines", "facts"); a table
    whose rows are updated in place may leave room in its pages (`fillfactor`)."""

    def __init__(
        self,
        row: type[T],
        part: str = "",
        *,
        primary_key: Sequence[str] = (),
        indexes: Sequence[Index] = (),
        fillfactor: int | None = None,
    ) -> None:
        self.row = row
        self.part = part
        self.fillfactor = fillfactor
        self.columns = columns_of(row)
        self.names = tuple(c.name for c in self.columns)
        self.primary_key = tuple(primary_key)
        self.indexes = tuple(indexes)
        if len(self.names) < 2:  # attrgetter of one name answers a value
            msg = f"{row.__name__}: a table of one column"
            raise ValueError(msg)
        # Not dataclasses.astuple: it deep-copies every list (half a rebuild's time).
        self.values: Callable[[T], tuple[Any, ...]] = attrgetter(*self.names)
        indexed = {c.split()[0] for i in self.indexes for c in i.columns}
        unknown = (set(self.primary_key) | indexed) - set(self.names)
        if unknown:
            msg = f"{row.__name__} has no column {', '.join(sorted(unknown))}"
            raise ValueError(msg)

    def column_list(self) -> sql.Composable:
        return sql.SQL(", ").join(map(sql.Identifier, self.names))

    def ddl(self, tables: Tables) -> list[sql.Composed]:
        """CREATE TABLE and CREATE INDEX statements for one generation."""
        return [self.table_ddl(tables), *self.index_ddl(tables)]

    def table_ddl(self, tables: Tables) -> sql.Composed:
        """The CREATE TABLE statement, with its primary key."""
        body = [c.ddl() for c in self.columns]
        if self.primary_key:
            body.append(
                sql.SQL("PRIMARY KEY ({})").format(
                    sql.SQL(", ").join(map(sql.Identifier, self.primary_key))
                )
            )
        create = sql.SQL("CREATE TABLE {} ({})").format(
            tables(self.part), sql.SQL(", ").join(body)
        )
        if self.fillfactor is not None:
            create = sql.SQL("{} WITH (fillfactor = {})").format(
                create, sql.Literal(self.fillfactor)
            )
        return create

    def index_ddl(self, tables: Tables) -> list[sql.Composed]:
        """The CREATE INDEX statements of its (secondary) indexes."""
        statements = []
        unnamed = 0
        for index in self.indexes:
            suffix = index.name
            if suffix is None:  # a part's unnamed indexes are named by the part
                prefix = f"{self.part}_" if self.part else ""
                suffix, unnamed = f"{prefix}i{unnamed}", unnamed + 1
            name = f"{tables.model}_g{tables.generation}_{suffix}"
            statements.append(index.ddl(tables(self.part), name))
        return statements

    def create(self, cur: Cursor, tables: Tables, *, indexes: bool = True) -> None:
        """The table, with its indexes unless told not to (`create_indexes`)."""
        cur.execute(self.table_ddl(tables))
        if indexes:
            self.create_indexes(cur, tables)

    def create_indexes(self, cur: Cursor, tables: Tables) -> None:
        for statement in self.index_ddl(tables):
            cur.execute(statement)

    def copy(self, cur: Cursor, tables: Tables, rows: Sequence[T]) -> None:
        """Write rows with COPY: several times faster than INSERTs for a
        rebuild's batches."""
        if not rows:
            return
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            tables(self.part), self.column_list()
        )
        values = self.values
        with cur.copy(statement) as copy:
            # Each column's dumper chosen once, not looked up per value (a
            # rebuild's arrays and UUIDs are most of its COPY time).
            copy.set_types([c.type for c in self.columns])
            for row in rows:
                copy.write_row(values(row))
