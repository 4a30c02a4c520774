package io.donuttracing.matchmaker.donut;

import java.util.List;
import java.util.Optional;

import org.springframework.data.repository.Repository;

public interface DonutRepository extends Repository<Donut, Long> {

    List<Donut> findAllByOrderById();

    Optional<Donut> findByNameIgnoreCase(String name);
}
